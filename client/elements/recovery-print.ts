// The printable page of the recovery words: a sheet in the page's own DOM
// (outside every shadow root, so the print styles in boot.css can show it
// alone), printed, then removed. Nothing is written to a file or stored.

/** Prints the words and their QR code; the sheet goes once printing ends. */
export function printRecoveryWords (words: readonly string[], qr: string | null): void {
  const sheet = document.createElement('section')
  sheet.className = 'recovery-print-sheet'
  const title = document.createElement('h1')
  title.textContent = 'Kith recovery words'
  const note = document.createElement('p')
  note.textContent = 'Anyone with these words can take over your Kith identity. Keep this page somewhere safe, away from your devices.'
  const list = document.createElement('ol')
  for (const word of words) {
    const item = document.createElement('li')
    item.textContent = word
    list.append(item)
  }
  sheet.append(title, note, list)
  if (qr) {
    const img = document.createElement('img')
    img.src = qr
    img.alt = 'QR code of the recovery words'
    sheet.append(img)
  }
  document.body.append(sheet)
  document.body.classList.add('printing-recovery')
  const done = (): void => {
    sheet.remove()
    document.body.classList.remove('printing-recovery')
  }
  window.addEventListener('afterprint', done, { once: true })
  window.print()
  // Where print() returns at once without an afterprint (some browsers), the sheet still goes.
  setTimeout(() => { if (sheet.isConnected && !matchMedia('print').matches) done() }, 60_000)
}
