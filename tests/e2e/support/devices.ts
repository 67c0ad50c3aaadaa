// The devices harness page (tests/harness/devices.html: the Devices tab and
// the link page over the scripted DevicesApi) opened for one person.
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { screenshot, type Person, type World } from './world'

export interface HarnessPerson extends Person {
  /** What the page's Content-Security-Policy refused (an inline style, say). */
  cspViolations: string[]
}

export async function openDevicesHarness (world: World, name: string, width = 900): Promise<HarnessPerson> {
  const person = await world.person(name)
  await person.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await person.page.setViewportSize({ width, height: 900 })
  const cspViolations: string[] = []
  person.page.on('console', (msg) => { if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(msg.text()) })
  await person.page.goto(`${world.harnessUrl}devices.html`)
  await person.page.waitForFunction(() => 'devicesHarness' in window)
  return { ...person, cspViolations }
}

/** Buttons a screen reader could only call "button". */
export function unnamedButtons (page: Page): Promise<string[]> {
  return page.evaluate(() => window.devicesHarness.unnamedButtons())
}

/** A screenshot of the screen as it is, then what every devices screen
 *  must hold: nothing wider than the viewport, every button named, no
 *  Content-Security-Policy refusal. */
export async function checkScreen (p: HarnessPerson, width: number, name: string): Promise<void> {
  await p.page.evaluate(() => document.fonts.ready)
  await screenshot(p, `${name}-${width}`)
  expect(await p.page.evaluate(() => document.scrollingElement!.scrollWidth), `${name} at ${width} px`).toBeLessThanOrEqual(width)
  expect(await unnamedButtons(p.page), name).toEqual([])
  expect(p.cspViolations, name).toEqual([])
}

export type DevicesHarness = Window['devicesHarness']

/** Runs `fn` in the page on window.devicesHarness (the fake api, the session, the last approval). */
export function onHarness<T> (page: Page, fn: (h: DevicesHarness) => T): Promise<Awaited<T>> {
  // A function that takes the harness cannot be passed as Playwright's page
  // function (that one receives a serialised argument), so send its source.
  return page.evaluate(`(${fn.toString()})(window.devicesHarness)`) as Promise<Awaited<T>>
}
