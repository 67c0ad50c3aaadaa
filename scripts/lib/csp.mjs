// The app's Content-Security-Policy, in one place: the static server sends it
// as a header, and index.html carries the same policy in a <meta> tag so any
// static host gets it (a unit test keeps the two equal).
//
// Why each part:
// - script-src 'self': only the app's own built module runs; no inline script,
//   no eval, and no blob: or data: script, so even a document made from a
//   friend's bytes could run nothing of theirs.
// - style-src 'self': the boot style is a file; Lit's styles are constructed
//   stylesheets, which CSP does not govern; no inline style attributes.
// - img-src blob: data:: previews of verified raster images (blob:) and the
//   invite's QR code (a data: SVG of our own, shown as an image, which never
//   runs script).
// - connect-src ws: wss:: trackers are configuration and may be on any host;
//   'self' is for ./config.json. WebRTC is not governed by connect-src.
// - object-src, base-uri, form-action, frame-src 'none': nothing legitimate
//   uses them, and each is a way to run or redirect content.
// - frame-ancestors 'none' (header only: a <meta> policy cannot carry it):
//   no other site may frame the app to trick clicks.
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "worker-src 'self'",
  "manifest-src 'self'"
].join('; ')

export const APP_CSP_HEADER = `${APP_CSP}; frame-ancestors 'none'`

/** Headers for every response of the app's static server. */
export const APP_HEADERS = {
  'content-security-policy': APP_CSP_HEADER,
  // A host must not guess a type from the bytes either.
  'x-content-type-options': 'nosniff'
}
