// Recovery words (docs/security.md, "Recovery key and rotation"): twelve
// words the person writes down, from which the recovery key is made. Shown
// once, with a QR code and a printable page, then checked by asking for
// three of them back; only the public half of the key they make goes to the
// node, and the words are dropped from memory as soon as the step ends.
// Kith never keeps them, not in a backup either.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { formatDay, plainError } from './format'
import { qrDataUrl } from './qr'
import { printRecoveryWords } from './recovery-print'
import type { DevicesApi } from '../api/devices-api'

type Step = 'status' | 'words' | 'check' | 'saving' | 'done'

type WordsCode = typeof import('../../shared/identity/recovery-words')
/** The word list and the derivation load only when a person sets up words. */
async function loadWordsCode (): Promise<WordsCode> {
  const [code] = await Promise.all([import('../../shared/identity/recovery-words'), import('../../shared/crypto/crypto').then((c) => c.loadCrypto())])
  return code
}

export class KithRecoveryWords extends LitElement {
  static override styles = [sharedStyles, css`
    ol.words { list-style: none; counter-reset: word; display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; padding: 0; margin: 12px 0; }
    ol.words li { counter-increment: word; background: #fff; border: 1px solid var(--border, #d9dde3); border-radius: 8px; padding: 8px 10px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 1.05rem; font-weight: 600; color: #1d2530; }
    ol.words li::before { content: counter(word) "."; display: inline-block; min-width: 2.2em; color: #59636e; font-weight: 400; }
    @media (max-width: 560px) { ol.words { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
    .sheet { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-start; }
    .sheet ol.words { flex: 1 1 360px; }
    .qr { width: 148px; height: 148px; background: #fff; border: 1px solid var(--border, #d9dde3); border-radius: 8px; padding: 6px; margin-top: 12px; }
    .checks { display: grid; grid-template-columns: repeat(3, minmax(0, 12rem)); gap: 8px 12px; }
    @media (max-width: 560px) { .checks { grid-template-columns: minmax(0, 1fr); } }
    .checks input { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
    h2:focus { outline: none; }
    h2:focus-visible { outline: 3px solid #5b8def; outline-offset: 2px; }
  `]

  static override properties = {
    api: { attribute: false },
    step: { state: true },
    words: { state: true },
    asked: { state: true },
    qr: { state: true },
    error: { state: true },
    wrong: { state: true }
  }

  declare api: DevicesApi
  declare step: Step
  /** Shown once; emptied as soon as the words step ends, whichever way. */
  declare words: string[]
  /** Which words (0-based) the check asks for. */
  declare asked: number[]
  declare qr: string | null
  declare error: string
  /** The asked words that did not match, marked invalid. */
  declare wrong: number[]
  /** In an object, so "not loaded yet" (null) differs from "not set up" ({at: null}). */
  private readonly since = new ApiQuery(this, () => this.api, async (api) => ({ at: await api.recoverySince() }))
  private code: WordsCode | null = null

  constructor () {
    super()
    this.step = 'status'
    this.words = []
    this.asked = []
    this.qr = null
    this.error = ''
    this.wrong = []
  }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.forgetWords()
  }

  private forgetWords (): void {
    this.words = []
    this.qr = null
  }

  private async go (step: Step, focus = 'h2'): Promise<void> {
    this.step = step
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>(focus)?.focus()
  }

  private async start (): Promise<void> {
    this.error = ''
    try {
      this.code = await loadWordsCode()
    } catch (err) {
      this.error = plainError(err)
      return
    }
    this.words = this.code.makeRecoveryWords()
    this.asked = this.code.pickWordsToCheck(3)
    this.qr = await qrDataUrl(this.words.join(' '))
    await this.go('words')
  }

  private cancel (): void {
    this.forgetWords()
    this.error = ''
    void this.go('status', 'button.start')
  }

  private toCheck (): void {
    this.error = ''
    this.wrong = []
    void this.go('check', 'input')
  }

  private async check (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const typed = this.asked.map((i) => (form.elements.namedItem(`word-${i}`) as HTMLInputElement).value.trim().toLowerCase())
    const wrong = this.asked.filter((i, n) => typed[n] !== this.words[i])
    this.wrong = wrong
    if (wrong.length > 0) {
      this.error = `Word ${wrong.map((i) => i + 1).join(' and word ')} ${wrong.length === 1 ? 'does' : 'do'} not match. Check your paper, or show the words again.`
      await this.updateComplete
      form.querySelector<HTMLInputElement>(`[name="word-${wrong[0]}"]`)?.focus()
      return
    }
    this.step = 'saving'
    this.error = ''
    try {
      const key = this.code!.recoveryKeyFromWords(this.words)
      await this.api.setUpRecovery(key.publicKey)
      this.forgetWords()
      await this.since.reload()
      await this.go('done')
    } catch (err) {
      this.error = plainError(err)
      this.step = 'check'
    }
  }

  private renderStatus () {
    if (this.since.error) return html`<p class="error" role="alert">Could not read whether recovery words are set up: ${this.since.error}</p>`
    if (this.since.value === null) return html`<p class="hint">Loading…</p>`
    const since = this.since.value.at
    if (since !== null) {
      return html`
        <p data-testid="recovery-set-up"><span class="badge green">Set up</span> on ${formatDay(since)}.</p>
        <p class="hint">Your friends learn your recovery key the next time they meet any of your devices. Kith does not keep your words: the paper you wrote them on is the only copy.</p>`
    }
    if (!this.api.canManageDevices) {
      return html`<p class="note-box">Recovery words are set up on a full device (your own laptop or phone).</p>`
    }
    return html`
      <p class="hint lead">Twelve words on paper that let you take your identity back if a laptop or phone of yours is lost or stolen: with them you replace your identity’s key, and your friends follow you, not the thief. Kith shows them once and never keeps them.</p>
      <div class="actions"><button class="start" @click=${this.start}>Set up recovery words</button></div>`
  }

  private renderWords () {
    return html`
      <p class="warn">Anyone who has these words can take over your identity. Write them on paper, in order, and keep it somewhere safe. Do not photograph them or save them in a file.</p>
      <div class="sheet">
        <ol class="words" aria-label="Your recovery words, in order" data-testid="recovery-words">
          ${this.words.map((w) => html`<li>${w}</li>`)}
        </ol>
        ${this.qr ? html`<img class="qr" src=${this.qr} alt="QR code of your recovery words">` : ''}
      </div>
      <p class="hint">Once you finish, Kith will not show these words again. Next, it asks you for three of them.</p>
      <div class="actions">
        <button class="next" @click=${this.toCheck}>I wrote them down</button>
        <button class="secondary" @click=${() => printRecoveryWords(this.words, this.qr)}>Print them</button>
        <button class="secondary" @click=${this.cancel}>Cancel</button>
      </div>`
  }

  private renderCheck () {
    const saving = this.step === 'saving'
    return html`
      <form @submit=${this.check} novalidate>
        <p class="hint lead">From your paper, type word ${this.asked.map((i) => i + 1).join(', word ').replace(/, word (\d+)$/, ' and word $1')}.</p>
        <div class="checks">
          ${this.asked.map((i) => html`
            <div class="field">
              <label for="word-${i}">Word ${i + 1}</label>
              <input id="word-${i}" name="word-${i}" autocomplete="off" autocapitalize="none" spellcheck="false" ?disabled=${saving}
                aria-invalid=${this.wrong.includes(i) ? 'true' : 'false'} aria-describedby="check-error">
            </div>`)}
        </div>
        <div class="actions">
          <button type="submit" ?disabled=${saving}>${saving ? 'Setting up…' : 'Check and finish'}</button>
          <button type="button" class="secondary" ?disabled=${saving} @click=${() => { this.error = ''; void this.go('words') }}>Show the words again</button>
        </div>
      </form>`
  }

  override render () {
    const heading = { status: 'Recovery words', words: 'Write these twelve words down', check: 'Check your recovery words', saving: 'Check your recovery words', done: 'Recovery words set up' }[this.step]
    return html`
      <section class="card" aria-labelledby="recovery-heading" data-testid="recovery">
        <h2 id="recovery-heading" tabindex="-1">${heading}</h2>
        ${this.step === 'status' ? this.renderStatus() : ''}
        ${this.step === 'words' ? this.renderWords() : ''}
        ${this.step === 'check' || this.step === 'saving' ? this.renderCheck() : ''}
        ${this.step === 'done'
          ? html`<p class="ok" data-testid="recovery-done">Done. Keep the paper safe: it is the only copy. Your friends learn your recovery key the next time they meet any of your devices.</p>`
          : ''}
        <p class="error" role="alert" id="check-error" data-testid="recovery-error">${this.error}</p>
      </section>`
  }
}

customElements.define('kith-recovery-words', KithRecoveryWords)
declare global { interface HTMLElementTagNameMap { 'kith-recovery-words': KithRecoveryWords } }
