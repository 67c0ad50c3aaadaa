// Styles shared by every element: cards, buttons, fields, status colours.
import { css } from 'lit'

export const sharedStyles = css`
  :host { display: block; }
  .card { background: var(--card-bg, #fff); border: 1px solid var(--border, #d9dde3); border-radius: 12px; padding: 16px 20px; margin: 0 0 16px; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
  h2 { font-size: 1rem; margin: 0 0 12px; color: var(--heading, #1d2530); }
  label { display: block; font-weight: 600; margin-bottom: 6px; }
  input, textarea { font: inherit; padding: 8px 10px; border: 1px solid #b7bec8; border-radius: 8px; width: 100%; box-sizing: border-box; background: #fff; color: inherit; }
  input:focus-visible, textarea:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #5b8def; outline-offset: 2px; }
  input[aria-invalid='true'] { border-color: #c62828; }
  button { font: inherit; padding: 8px 14px; border-radius: 8px; border: 1px solid #2f5bd3; background: #2f5bd3; color: #fff; cursor: pointer; white-space: nowrap; }
  button.secondary { background: #fff; color: #2f5bd3; }
  button:disabled { opacity: .6; cursor: default; }
  .row { display: flex; gap: 8px; align-items: center; }
  .row > input { flex: 1; }
  .hint { color: #59636e; font-size: .875rem; margin: 6px 0 0; }
  .error { color: #b71c1c; font-size: .9rem; margin: 6px 0 0; }
  .ok { color: #1b5e20; }
  .warn { color: #8a5a00; }
  code.address { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; background: #f3f5f8; padding: 6px 8px; border-radius: 6px; display: block; }
  .dot { display: inline-block; width: .6em; height: .6em; border-radius: 50%; margin-right: .4em; background: #9aa4b1; }
  .dot.open { background: #2e7d32; }
  .dot.backoff, .dot.closed { background: #c62828; }
  .dot.connecting { background: #f9a825; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`
