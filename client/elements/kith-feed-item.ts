// One of a friend's items, as the friend's page and Home show it: kind,
// date, text, and for a file its name and size, one button that fetches it
// (if needed) and saves it under its cleaned name, and for a photo an inline
// thumbnail that opens full size in the app. A photo is a file whose BYTES
// are a raster image (safe-file-url.ts): what the friend claimed only decides
// whether a small file is worth fetching by itself, never what is shown.
import { LitElement, html, css, type PropertyValues } from 'lit'
import { formatBytes, formatDate, notShownWhy, plainError, TYPE_WORDS } from './format'
import { safeFileUrl, type SafeFileUrl } from './safe-file-url'
import { cleanFileName } from '../files/safe-file'
import { downscaledPhoto } from './thumbnail'
import type { FeedItem, FriendFeed, KithApi } from '../api/app-api'

/** Photos up to this size are fetched by themselves to show a thumbnail;
 *  larger ones wait for "Show photo". */
export const AUTO_THUMBNAIL_BYTES = 8 * 1024 * 1024
const CLAIMS_RASTER = /^image\/(png|jpeg|gif|webp|avif)$/i

/** Whether a file is worth fetching without being asked: small, and the
 *  friend says it is a photo (the bytes decide later whether it is shown). */
export function fetchesThumbnail (meta: { mime: string, size: number }): boolean {
  return CLAIMS_RASTER.test(meta.mime) && meta.size > 0 && meta.size <= AUTO_THUMBNAIL_BYTES
}

/** Rendered in the light DOM of the list that holds it (so the item's text
 *  is part of the list's text, for find-in-page and assistive tech alike):
 *  the list includes these styles in its own. */
export const feedItemStyles = css`
    kith-feed-item { display: block; }
    .item-head { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
    .from { font-weight: 600; color: inherit; text-decoration: none; }
    .from:hover { text-decoration: underline; }
    .new { background: #2f5bd3; color: #fff; }
    .file { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; font-size: .9rem; }
    .file > span { overflow-wrap: anywhere; min-width: 0; }
    .bar { display: flex; align-items: center; gap: 8px; }
    progress { width: 180px; max-width: 50vw; height: 10px; accent-color: #2f5bd3; }
    button.thumb { display: block; padding: 0; border: 1px solid var(--border, #d9dde3); border-radius: 8px; background: #f3f5f8; margin-top: 8px; overflow: hidden; max-width: 100%; cursor: zoom-in; }
    button.thumb img { display: block; max-width: 100%; max-height: 280px; object-fit: contain; }
    dialog { border: 0; border-radius: 12px; padding: 12px; max-width: min(96vw, 1400px); max-height: 94vh; box-sizing: border-box; }
    dialog::backdrop { background: rgba(10, 14, 20, .82); }
    dialog img { display: block; max-width: calc(96vw - 24px); max-height: calc(94vh - 80px); object-fit: contain; margin: 0 auto; }
    .dialog-head { display: flex; justify-content: space-between; align-items: center; gap: 12px; margin-bottom: 8px; }
    .dialog-head h3 { overflow-wrap: anywhere; }
`

export class KithFeedItem extends LitElement {
  protected override createRenderRoot (): HTMLElement {
    return this
  }

  static override properties = {
    api: { attribute: false },
    item: { attribute: false },
    ownerAddress: { type: String, attribute: 'owner-address' },
    /** Shown on Home: whose item it is. */
    ownerName: { type: String, attribute: 'owner-name' },
    unread: { type: Boolean },
    progress: { state: true },
    saved: { state: true },
    thumbUrl: { state: true },
    error: { state: true },
    userSaved: { state: true },
    viewing: { state: true }
  }

  declare api: KithApi
  declare item: FeedItem
  declare ownerAddress: string
  declare ownerName: string
  declare unread: boolean
  /** 0..1 while fetching. */
  declare progress: number | null
  /** The fetched file, typed from its bytes. */
  declare saved: SafeFileUrl | null
  /** A downscaled copy for the inline thumbnail, when the photo is large. */
  declare thumbUrl: string | null
  declare error: string
  /** The person pressed Save (the link then stays to save again). */
  declare userSaved: boolean
  declare viewing: boolean
  private fetching: Promise<SafeFileUrl | null> | null = null
  /** Which version of the file `saved` is of (name and size as listed). */
  private savedFor = ''

  constructor () {
    super()
    this.ownerAddress = ''
    this.ownerName = ''
    this.unread = false
    this.progress = null
    this.saved = null
    this.thumbUrl = null
    this.error = ''
    this.userSaved = false
    this.viewing = false
  }

  /** Photos are fetched by themselves only once they come near the screen:
   *  a friend's page of a thousand small "photos" costs what is looked at. */
  private nearScreen = typeof IntersectionObserver === 'undefined'
  private observer: IntersectionObserver | null = null

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.observer?.disconnect()
    this.observer = null
    this.forget()
  }

  override connectedCallback (): void {
    super.connectedCallback()
    if (!this.nearScreen && typeof IntersectionObserver !== 'undefined') {
      this.observer = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return
        this.nearScreen = true
        this.observer?.disconnect()
        this.observer = null
        void this.autoFetch()
      }, { rootMargin: '600px 0px' })
      this.observer.observe(this)
    }
    if (this.hasUpdated) void this.autoFetch()
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    // A changed file (or another item in this place) must not show the old bytes.
    if (changed.has('item') && this.saved && this.savedFor !== this.fileKey()) this.forget()
  }

  protected override updated (changed: PropertyValues<this>): void {
    if (changed.has('item') || changed.has('api')) void this.autoFetch()
  }

  private fileKey (): string {
    const f = this.item?.file
    return f ? `${this.item.id}:${f.size}:${f.name}` : ''
  }

  private forget (): void {
    if (this.saved) URL.revokeObjectURL(this.saved.url)
    if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl)
    this.saved = null
    this.thumbUrl = null
    this.savedFor = ''
    this.userSaved = false
    this.fetching = null
  }

  private async feed (): Promise<FriendFeed | null> {
    if (!this.api || !this.ownerAddress) return null
    try {
      return await this.api.feed(this.ownerAddress)
    } catch {
      return null
    }
  }

  private async autoFetch (): Promise<void> {
    const meta = this.item?.file
    if (!meta || !this.nearScreen || this.saved || this.fetching || this.error) return
    // Already on this device: shown at no cost whatever its size.
    if (this.item.fileCached || fetchesThumbnail(meta)) await this.fetch().catch(() => {})
  }

  /** The file, fetched once (progress shown), typed from its bytes. */
  private fetch (): Promise<SafeFileUrl | null> {
    if (this.saved) return Promise.resolve(this.saved)
    this.fetching ??= this.fetchNow()
    return this.fetching
  }

  private async fetchNow (): Promise<SafeFileUrl | null> {
    const item = this.item
    const meta = item?.file
    const key = this.fileKey()
    const feed = await this.feed()
    if (!feed || !meta || this.fileKey() !== key) return null
    this.error = ''
    this.progress = 0
    try {
      let file = item.fileCached ? await feed.fileBlob(item.id) : null
      file ??= await feed.fetchFile(item.id, (fraction) => { if (this.fileKey() === key && this.progress !== null) this.progress = fraction })
      const saved = await safeFileUrl(file, meta.name)
      if (!this.isConnected || this.fileKey() !== key) {
        URL.revokeObjectURL(saved.url)
        return null
      }
      this.saved = saved
      this.savedFor = key
      if (saved.previewable) void this.makeThumbnail(file, key)
      return saved
    } catch (err) {
      if (this.fileKey() === key) this.error = plainError(err)
      throw err
    } finally {
      if (this.fileKey() === key) {
        this.progress = null
        this.fetching = null
      }
    }
  }

  private async makeThumbnail (photo: Blob, key: string): Promise<void> {
    const small = await downscaledPhoto(photo)
    if (!small) return
    if (!this.isConnected || this.fileKey() !== key || !this.saved) return
    if (this.thumbUrl) URL.revokeObjectURL(this.thumbUrl)
    this.thumbUrl = URL.createObjectURL(small)
  }

  /** One press: fetched if needed, then saved under the cleaned name. */
  private async save (): Promise<void> {
    let saved: SafeFileUrl | null
    try {
      saved = await this.fetch()
    } catch {
      return // the error is shown
    }
    if (!saved) return
    const a = document.createElement('a')
    a.href = saved.url
    a.download = saved.name
    a.click()
    this.userSaved = true
  }

  private async showPhoto (): Promise<void> {
    try {
      const saved = await this.fetch()
      if (saved?.previewable) void this.openViewer()
    } catch { /* the error is shown */ }
  }

  private opener: HTMLElement | null = null

  private async openViewer (): Promise<void> {
    // Where focus goes back to: the thumbnail once it exists, else what opened it.
    this.opener = (this.getRootNode() as ShadowRoot | Document).activeElement as HTMLElement | null
    this.viewing = true
    await this.updateComplete
    const dialog = this.renderRoot.querySelector('dialog')
    if (dialog && !dialog.open) dialog.showModal()
    dialog?.querySelector<HTMLElement>('.close')?.focus()
  }

  private onViewerClosed (): void {
    this.viewing = false
    const back = this.renderRoot.querySelector<HTMLElement>('button.thumb') ?? this.opener
    back?.focus()
  }

  private renderFile (item: FeedItem) {
    const meta = item.file
    if (!meta) return ''
    const saved = this.saved
    // The friend's name for it may hide a path or reversed text: show the cleaned one.
    const name = saved?.name ?? cleanFileName(meta.name)
    const size = formatBytes(meta.size)
    const pct = this.progress !== null ? Math.round(this.progress * 100) : null
    const caption = item.text ? `Photo: ${item.text}` : `Photo: ${name}`
    const mayBePhoto = CLAIMS_RASTER.test(meta.mime)
    return html`
      <div class="file">
        <span><strong data-testid="file-name">${name}</strong> · ${size}${item.fileCached ? html` <span class="hint">(on this device)</span>` : ''}</span>
        ${pct !== null
          ? html`
            <span class="bar">
              <progress max="100" value=${pct} aria-label="Fetching ${name}" data-testid="file-progress"></progress>
              <span data-testid="file-percent">${pct}%</span>
            </span>`
          : ''}
        ${this.userSaved && saved
          ? html`<a class="save" href=${saved.url} download=${saved.name} data-testid="file-link">Save ${saved.name} to your device (${size})</a>`
          : html`<button class="secondary small save-file" @click=${() => this.save()}
              aria-label="Save to device: ${name} (${size})">Save to device</button>`}
        ${!saved && pct === null && mayBePhoto && !fetchesThumbnail(meta)
          ? html`<button class="secondary small" @click=${() => this.showPhoto()} aria-label="Show photo ${name} (${size})">Show photo</button>`
          : ''}
      </div>
      <div role="status" aria-live="polite" class="visually-hidden">${pct !== null ? `Fetching ${name}` : this.userSaved ? `${name} saved` : ''}</div>
      ${this.error ? html`<p class="error" role="alert">Could not download ${name}: ${this.error}</p>` : ''}
      ${saved?.previewable
        ? html`
          <button class="thumb" @click=${() => this.openViewer()} aria-label="Open ${caption} full size">
            <img src=${this.thumbUrl ?? saved.url} alt=${caption} data-testid="file-preview">
          </button>
          ${this.viewing
            ? html`
              <dialog aria-label=${caption} data-testid="photo-viewer" @close=${() => this.onViewerClosed()}
                @click=${(ev: MouseEvent) => { if (ev.target === ev.currentTarget) (ev.currentTarget as HTMLDialogElement).close() }}>
                <div class="dialog-head">
                  <h3>${item.text || name}</h3>
                  <div class="actions flush">
                    <a class="save" href=${saved.url} download=${saved.name}>Save</a>
                    <button class="small close" @click=${(ev: Event) => (ev.target as HTMLElement).closest('dialog')?.close()}>Close</button>
                  </div>
                </div>
                <img src=${saved.url} alt=${caption} data-testid="photo-full">
              </dialog>`
            : ''}`
        : saved
          ? html`<p class="hint" data-testid="file-not-shown">${notShownWhy(meta)}</p>`
          : ''}`
  }

  override render () {
    const item = this.item
    if (!item) return html``
    return html`
      <div class="item-head">
        ${this.unread ? html`<span class="badge new" data-testid="unread">New</span>` : ''}
        ${this.ownerName ? html`<a class="from" href="#/friend/${this.ownerAddress}" data-testid="item-owner">${this.ownerName}</a>` : ''}
        <span class="badge">${TYPE_WORDS[item.type]}</span>
        <span class="meta"><time datetime=${new Date(item.createdAt).toISOString()}>${formatDate(item.createdAt)}</time></span>
      </div>
      ${item.text ? html`<p class="body-text" data-testid="item-text">${item.text}</p>` : ''}
      ${this.renderFile(item)}`
  }
}

customElements.define('kith-feed-item', KithFeedItem)
declare global { interface HTMLElementTagNameMap { 'kith-feed-item': KithFeedItem } }
