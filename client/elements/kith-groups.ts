// My private groups of friends: create, rename, delete, and who is in them.
// Friends never learn group names, sizes or other members.
import { LitElement, html, css } from 'lit'
import { sharedStyles } from './shared-styles'
import { ApiQuery } from './api-query'
import { plainError } from './format'
import { confirmDelete, rowError, RowStates } from './row-states'
import type { GroupSummary, KithApi } from '../api/app-api'
import { listView } from './list-view'

const MAX_GROUP_NAME = 60

interface RowState { mode: 'rename' | 'confirm-delete', draft?: string, busy?: boolean, error?: string }

export class KithGroups extends LitElement {
  static override styles = [sharedStyles, css`
    .head { display: flex; align-items: center; gap: 8px 12px; flex-wrap: wrap; justify-content: space-between; }
    .head h3 { font-size: 1rem; }
    .members { margin: 4px 0 0; font-size: .9rem; color: #3b4653; }
    form.create { margin-bottom: 16px; }
    .rename { margin-top: 8px; }
  `]

  static override properties = {
    api: { attribute: false },
    newName: { state: true },
    creating: { state: true },
    message: { state: true },
    error: { state: true }
  }

  declare api: KithApi
  declare newName: string
  declare creating: boolean
  declare message: string
  declare error: string
  private readonly rows = new RowStates<RowState>(this, { attribute: 'data-group', heading: '#groups-heading', reload: () => this.groups.reload() })
  private readonly groups = new ApiQuery(this, () => this.api, (api) => api.listGroups())
  private readonly friends = new ApiQuery(this, () => this.api, (api) => api.listFriends())

  constructor () {
    super()
    this.newName = ''
    this.creating = false
    this.message = ''
    this.error = ''
  }

  private nameProblem (name: string, exceptId?: string): string {
    if (name === '') return 'Give the group a name.'
    const taken = (this.groups.value ?? []).some((g) => g.id !== exceptId && g.name.toLowerCase() === name.toLowerCase())
    return taken ? `You already have a group called “${name}”.` : ''
  }

  private async create (ev: SubmitEvent): Promise<void> {
    ev.preventDefault()
    const name = this.newName.trim()
    this.message = ''
    this.error = this.nameProblem(name)
    if (this.error) return
    this.creating = true
    try {
      await this.api.createGroup(name)
      await this.groups.reload()
      this.newName = ''
      this.message = `Group “${name}” created. Tick it on a friend (Friends tab) to add them.`
    } catch (err) {
      this.error = plainError(err)
    } finally {
      this.creating = false
    }
  }

  private async rename (group: GroupSummary, draft: string): Promise<void> {
    const name = draft.trim()
    if (name === group.name) {
      this.rows.set(group.id, null)
      return
    }
    const problem = this.nameProblem(name, group.id)
    if (problem) return this.rows.set(group.id, { mode: 'rename', draft, error: problem })
    await this.rows.save(group.id, { mode: 'rename', draft }, () => this.api.renameGroup(group.id, name), '.rename-button')
  }

  private deleteGroup (group: GroupSummary): Promise<void> {
    return this.rows.remove(group.id, { mode: 'confirm-delete' }, () => this.api.deleteGroup(group.id), '.delete')
  }

  private renderRow (group: GroupSummary) {
    const row = this.rows.get(group.id)
    const friends = this.friends.value
    const members = friends ? friends.filter((f) => group.memberKeys.includes(f.key)) : null
    const names = (members ?? []).map((f) => f.displayName || 'a friend without a name').sort((a, b) => a.localeCompare(b))
    // Counted among current friends once they are loaded, so the number and the names agree.
    const count = members ? members.length : group.memberKeys.length
    return html`
      <li data-testid="group" data-group=${group.id}>
        <div class="head">
          <h3 data-testid="group-name">${group.name}</h3>
          <span class="badge grey" data-testid="group-count">${count} ${count === 1 ? 'member' : 'members'}</span>
        </div>
        <p class="members">${names.length ? names.join(', ') : count === 0 ? 'Nobody yet.' : ''}</p>
        ${row?.mode === 'rename'
          ? html`
            <form class="rename" @submit=${(ev: SubmitEvent) => { ev.preventDefault(); void this.rename(group, row.draft ?? group.name) }}>
              <label for="rename-${group.id}">New name for “${group.name}”</label>
              <div class="row">
                <input id="rename-${group.id}" maxlength=${MAX_GROUP_NAME} .value=${row.draft ?? group.name} ?disabled=${row.busy === true}
                  aria-invalid=${row.error ? 'true' : 'false'}
                  @input=${(ev: Event) => this.rows.set(group.id, { mode: 'rename', draft: (ev.target as HTMLInputElement).value })}
                  @keydown=${(ev: KeyboardEvent) => { if (ev.key === 'Escape') this.rows.close(group.id, '.rename-button') }}>
                <button type="submit" class="small" ?disabled=${row.busy === true}>Save</button>
                <button type="button" class="secondary small" @click=${() => this.rows.close(group.id, '.rename-button')}>Cancel</button>
              </div>
              ${rowError(row)}
            </form>`
          : row?.mode === 'confirm-delete'
            ? confirmDelete(row, {
              label: `Confirm deleting the group ${group.name}`,
              question: `Delete the group “${group.name}”?`,
              hint: 'The friends in it stay your friends, but lose access to items you shared only with this group; their copies are asked to be deleted.',
              yes: 'Yes, delete group',
              onYes: () => this.deleteGroup(group),
              onKeep: () => this.rows.close(group.id, '.delete')
            })
            : html`
              <div class="actions">
                <button class="secondary small rename-button" aria-label="Rename ${group.name}"
                  @click=${() => this.rows.open(group.id, { mode: 'rename', draft: group.name }, 'input')}>Rename</button>
                <button class="danger secondary small delete" aria-label="Delete ${group.name}"
                  @click=${() => this.rows.open(group.id, { mode: 'confirm-delete' }, '.confirm-yes')}>Delete</button>
              </div>`}
      </li>`
  }

  override render () {
    const groups = this.groups.value
    return html`
      <section class="card" aria-labelledby="groups-heading">
        <h2 id="groups-heading" tabindex="-1">Groups</h2>
        <p class="note-box">Groups are private to you: friends never see group names, how many are in a group, or who else is in it. They only see the items you share with them.</p>
        <form class="create" @submit=${this.create} novalidate>
          <label for="group-name">New group name</label>
          <div class="row">
            <input id="group-name" maxlength=${MAX_GROUP_NAME} .value=${this.newName} placeholder="e.g. family" autocomplete="off"
              aria-invalid=${this.error ? 'true' : 'false'} aria-describedby="group-status"
              @input=${(ev: Event) => { this.newName = (ev.target as HTMLInputElement).value; this.error = '' }}>
            <button type="submit" ?disabled=${this.creating}>Create group</button>
          </div>
          <p id="group-status" class=${this.error ? 'error' : 'hint'} role="status" aria-live="polite">${this.error || this.message}</p>
        </form>
        ${this.groups.error ? html`<p class="error" role="alert">Could not load your groups: ${this.groups.error}</p>` : ''}
        ${listView(groups, { label: 'My groups', empty: 'No groups yet.', key: (g) => g.id, row: (g) => this.renderRow(g) })}
      </section>`
  }
}

customElements.define('kith-groups', KithGroups)
declare global { interface HTMLElementTagNameMap { 'kith-groups': KithGroups } }
