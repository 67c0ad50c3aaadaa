// Who may see an item: all friends, only me, or the members of chosen groups.
// Native radios and checkboxes inside a fieldset, so arrow keys, Space and
// screen readers work as everywhere else.
import { LitElement, html, css, type PropertyValues } from 'lit'
import { live } from 'lit/directives/live.js'
import { sharedStyles } from './shared-styles'
import type { Audience } from '../../shared/protocol/items'
import type { GroupSummary } from '../api/app-api'

export interface AudienceChangeDetail { audience: Audience }

type Kind = Audience['kind']

export class KithAudiencePicker extends LitElement {
  static override styles = [sharedStyles, css`
    fieldset { margin: 0; }
    .groups { margin: 4px 0 0 26px; }
    .groups label.choice { margin: 2px 0; }
  `]

  static override properties = {
    value: { attribute: false },
    groups: { attribute: false },
    legend: { type: String },
    disabled: { type: Boolean }
  }

  declare value: Audience
  declare groups: GroupSummary[]
  declare legend: string
  declare disabled: boolean
  /** Groups ticked while "Selected groups" is not chosen are kept for when it is again. */
  private remembered: string[] = []

  constructor () {
    super()
    this.value = { kind: 'friends' }
    this.groups = []
    this.legend = 'Who can see it'
    this.disabled = false
  }

  protected override willUpdate (changed: PropertyValues<this>): void {
    if (changed.has('value') && this.value.kind === 'groups') this.remembered = [...this.value.groupIds]
  }

  private get selectedGroups (): string[] {
    return this.value.kind === 'groups' ? this.value.groupIds : this.remembered
  }

  private set (audience: Audience): void {
    this.value = audience
    this.dispatchEvent(new CustomEvent<AudienceChangeDetail>('audience-change', { detail: { audience }, bubbles: true }))
  }

  private pickKind (kind: Kind): void {
    if (kind === 'groups') {
      const known = this.remembered.filter((id) => this.groups.some((g) => g.id === id))
      this.set({ kind: 'groups', groupIds: known })
    } else {
      this.set({ kind })
    }
  }

  private toggleGroup (id: string, on: boolean): void {
    const ids = new Set(this.selectedGroups)
    if (on) ids.add(id)
    else ids.delete(id)
    // Keep the owner's group order, whatever order they were ticked in.
    this.set({ kind: 'groups', groupIds: this.groups.map((g) => g.id).filter((g) => ids.has(g)) })
  }

  private radio (kind: Kind, label: string) {
    return html`
      <label class="choice">
        <input type="radio" name="audience" value=${kind} .checked=${live(this.value.kind === kind)}
          ?disabled=${this.disabled} @change=${() => this.pickKind(kind)}>
        ${label}
      </label>`
  }

  override render () {
    const showGroups = this.value.kind === 'groups'
    const selected = new Set(this.selectedGroups)
    return html`
      <fieldset ?disabled=${this.disabled}>
        <legend>${this.legend}</legend>
        <div class="choices-inline">
          ${this.radio('friends', 'All friends')}
          ${this.radio('me', 'Only me')}
          ${this.radio('groups', 'Selected groups')}
        </div>
        ${showGroups
          ? this.groups.length === 0
            ? html`<p class="hint groups">You have no groups yet. Create them on the Groups tab.</p>`
            : html`
              <div class="groups" role="group" aria-label="Groups that can see it">
                ${this.groups.map((g) => html`
                  <label class="choice">
                    <input type="checkbox" .checked=${live(selected.has(g.id))}
                      @change=${(ev: Event) => this.toggleGroup(g.id, (ev.target as HTMLInputElement).checked)}>
                    ${g.name}
                  </label>`)}
              </div>`
          : ''}
      </fieldset>`
  }
}

customElements.define('kith-audience-picker', KithAudiencePicker)
declare global {
  interface HTMLElementTagNameMap { 'kith-audience-picker': KithAudiencePicker }
  interface HTMLElementEventMap { 'audience-change': CustomEvent<AudienceChangeDetail> }
}
