// Opened from file://, where module scripts do not run: says why (index.html).
// Short: every start fetches it (the first screen's scripts, bench/README.md).
if (location.protocol === 'file:') {
  var app = document.getElementById('app')
  if (app) {
    var p = document.createElement('p')
    p.setAttribute('role', 'alert')
    p.className = 'boot-error'
    p.textContent = 'Kith cannot start from a file on disk: browsers do not run its code from file:// addresses. ' +
      'Open it from a web server instead: run “npm start” in Kith’s folder and open the address it prints, ' +
      'or put the dist folder on any static web server.'
    // No stylesheet from a file either: the CSSOM, which the CSP allows.
    Object.assign(app.style, { maxWidth: '720px', margin: '40px auto', padding: '0 16px', fontFamily: 'system-ui, sans-serif', lineHeight: '1.45' })
    p.style.color = '#b71c1c'
    app.replaceChildren(p)
  }
}
