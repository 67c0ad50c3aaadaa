// The new device's side of linking, as the UI and the headless runner see
// it; the node side (node-tab/linking/new-device.ts) implements it.
/** The new device's side: a code to show until a full device approves. */
export type LinkingState =
  | { step: 'waiting', codeText: string, expiresAt: number }
  /** A full device opened the code: compare the codes, approve over there. */
  | { step: 'confirming', codeText: string, verificationCode: string, ownerAddress: string }
  /** Approved over there: whose device this becomes, and as what (the name
   *  as that device claims it), to confirm here before anything is taken. */
  | { step: 'accepting', verificationCode: string, ownerAddress: string, ownerName: string, deviceName: string, role: 'full' | 'server', confirmed?: true }
  | { step: 'linked', ownerAddress: string }
  | { step: 'failed', message: string }

export interface LinkingSession extends EventTarget {
  /** Fires 'change' on every step. */
  readonly state: LinkingState
  /** A fresh code (the old one stops working), e.g. after it expired. */
  restart (): void
  /** The person confirms, on this device, the link shown in 'accepting'. */
  confirm (): void
  cancel (): void
}

