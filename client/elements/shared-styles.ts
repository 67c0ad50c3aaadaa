// Styles shared by every element: cards, buttons, fields, status colours.
// The reasons live here, not as CSS comments, which every browser would
// download with the first screen:
// - `.row` wraps on a phone rather than pushing buttons out of the card;
// - from `h3` on: lists, choices, confirm steps and other parts used across the tabs;
// - a heading given focus after an action (so the next Tab starts there) needs no ring;
// - `a.save`, a link that saves a file, is shaped like a button: easy to hit on a phone;
// - `.progress`: waiting on the network, a spinner and a sentence;
// - from `.inline` on: small layout helpers as classes, as the
//   Content-Security-Policy allows no inline style attributes.
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
  .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
  .row > input { flex: 1 1 10em; min-width: 0; }
  .hint { color: #59636e; font-size: .875rem; margin: 6px 0 0; }
  .error { color: #b71c1c; font-size: .9rem; margin: 6px 0 0; }
  .ok { color: #1b5e20; }
  .warn { color: #8a5a00; }
  code.address { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; background: #f3f5f8; padding: 6px 8px; border-radius: 6px; display: block; }
  .dot { display: inline-block; width: .6em; height: .6em; border-radius: 50%; margin-right: .4em; background: #9aa4b1; }
  .dot.open { background: #2e7d32; }
  .dot.backoff, .dot.closed { background: #c62828; }
  .dot.connecting { background: #f9a825; }
  h3 { font-size: .95rem; margin: 0; }
  a { color: #2448a8; }
  p { margin: 0 0 8px; }
  select { font: inherit; padding: 8px 10px; border: 1px solid #b7bec8; border-radius: 8px; background: #fff; color: inherit; }
  :focus-visible { outline: 3px solid #5b8def; outline-offset: 2px; }
  h2[tabindex='-1']:focus, h3[tabindex='-1']:focus { outline: none; }
  input[type=checkbox], input[type=radio] { width: 1.1em; height: 1.1em; margin: 0; padding: 0; flex: none; accent-color: #2f5bd3; }
  input[type=file] { padding: 6px; }
  fieldset { border: 1px solid var(--border, #d9dde3); border-radius: 8px; padding: 8px 12px 10px; margin: 0 0 12px; min-width: 0; }
  legend { font-weight: 600; padding: 0 4px; }
  label.choice { display: flex; align-items: center; gap: 8px; font-weight: 400; margin: 4px 0; cursor: pointer; }
  .choices-inline { display: flex; flex-wrap: wrap; gap: 4px 20px; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 10px; }
  .field { margin-bottom: 12px; }
  button.danger { background: #b71c1c; border-color: #b71c1c; color: #fff; }
  button.danger.secondary { background: #fff; color: #b71c1c; }
  button.small { padding: 4px 10px; font-size: .875rem; }
  ul.entries { list-style: none; padding: 0; margin: 0; }
  ul.entries > li { border-top: 1px solid var(--border, #e3e7ec); padding: 12px 0; }
  ul.entries > li:first-child { border-top: 0; padding-top: 4px; }
  .meta { color: #59636e; font-size: .85rem; display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
  .badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 2px 8px; border-radius: 999px; background: #e8eefc; color: #2448a8; letter-spacing: .02em; }
  .badge.grey { background: #eef0f3; color: #454f5b; }
  .badge.green { background: #e3f3e5; color: #1b5e20; }
  .badge.amber { background: #fff1d6; color: #7a4f00; }
  .badge.red { background: #fde7e7; color: #9b1c1c; }
  .body-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
  .confirm { background: #fff7f6; border: 1px solid #f0c8c4; border-radius: 8px; padding: 10px 12px; margin-top: 10px; }
  .confirm p { margin: 0 0 4px; }
  .empty { color: #59636e; font-style: italic; margin: 4px 0; }
  .note-box { background: #f3f6fb; border-radius: 8px; padding: 8px 12px; font-size: .875rem; color: #3b4653; margin: 0 0 12px; }
  a.save { display: inline-block; padding: 4px 10px; border: 1px solid #2f5bd3; border-radius: 8px; font-size: .875rem; text-decoration: none; overflow-wrap: anywhere; }
  a.save:hover { background: #eef3fe; }
  .progress { display: flex; align-items: center; gap: 10px; margin-top: 12px; }
  .spinner { width: 1em; height: 1em; border: 3px solid #c9d6f5; border-top-color: #2f5bd3; border-radius: 50%; animation: spin 1s linear infinite; flex: none; }
  @keyframes spin { to { transform: rotate(360deg); } }
  @media (prefers-reduced-motion: reduce) { .spinner { animation: none; } }
  .inline { display: inline; }
  .inline-flex { display: inline-flex; }
  .space-above { margin-top: 12px; }
  .hint.lead { margin: 0 0 10px; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`
