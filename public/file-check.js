// Opened from a file on disk (file://), browsers refuse to run Kith's module
// scripts, and the page would stay on "Starting your server…" without a word
// of why. This classic script still runs there and says so. It is a file,
// not an inline script: the Content-Security-Policy allows 'self' only.
if (location.protocol === 'file:') {
  var app = document.getElementById('app')
  if (app) {
    var p = document.createElement('p')
    p.setAttribute('role', 'alert')
    p.className = 'boot-error'
    p.textContent = 'Kith cannot start from a file on disk: browsers do not run its code from file:// addresses. ' +
      'Open it from a web server instead: run “npm start” in Kith’s folder and open the address it prints, ' +
      'or put the dist folder on any static web server.'
    // The stylesheet does not load from a file either; set through the
    // CSSOM, which the policy allows (it refuses style attributes only).
    Object.assign(app.style, { maxWidth: '720px', margin: '40px auto', padding: '0 16px', fontFamily: 'system-ui, sans-serif', lineHeight: '1.45' })
    p.style.color = '#b71c1c'
    app.replaceChildren(p)
  }
}
