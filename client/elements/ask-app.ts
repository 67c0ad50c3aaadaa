// Elements ask kith-app, which holds the node, to do things for them: an
// event that bubbles out of the shadow roots with what to do and a `done`
// callback for the outcome. Both ends of that, said once.

export interface DoneDetail { done: (err?: Error) => void }

/** Asks the app; `done` hears how it went. */
export function askApp (from: HTMLElement, type: string, detail: object, done: (err?: Error) => void): void {
  from.dispatchEvent(new CustomEvent(type, { detail: { ...detail, done }, bubbles: true, composed: true }))
}

/** A form's save through the app: its message and error cleared, then
 *  `saved` as its message, or the failure as its error. */
export function saveThroughApp (form: HTMLElement & { message: string, error: string }, type: string, detail: object, saved: string): void {
  form.message = ''
  form.error = ''
  askApp(form, type, detail, (err) => {
    if (err) form.error = err.message
    else form.message = saved
  })
}

/** The app's end: runs `run` for each ask of `type`, and tells the asker how it went. */
export function answerAsks<D> (app: HTMLElement, type: string, run: (detail: D) => Promise<unknown>): void {
  app.addEventListener(type, (ev) => {
    const detail = (ev as CustomEvent<D & DoneDetail>).detail
    run(detail).then(() => detail.done(), (err: Error) => detail.done(err))
  })
}
