// Copy text for the person, or, where the browser refuses, select it on
// screen so Ctrl+C works.

/** True if copied; false if `shown` (the element showing the text) was selected instead. */
export async function copyOrSelect (text: string, shown: Element | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    if (shown) getSelection()?.selectAllChildren(shown)
    return false
  }
}
