// Shared by the listener tests: a stand-in for webrtc.ts's answerOffer that
// counts calls, answers with a recognisable SDP and never connects (like an
// offerer that walks away), so a test sees whether an offer ever cost an
// RTCPeerConnection.
import type { answerOffer } from '../../node-tab/discovery/webrtc'

/** `onCleanup` receives what fails the hanging connections at the end. */
export function countingAnswerer (onCleanup: (cleanup: () => void) => void): { answer: typeof answerOffer, calls: string[] } {
  const calls: string[] = []
  const hanging: (() => void)[] = []
  const answer: typeof answerOffer = async (_config, offerSdp) => {
    calls.push(offerSdp)
    return {
      sdp: `answer to ${offerSdp}`,
      connected: () => new Promise((_resolve, reject) => { hanging.push(() => reject(new Error('gone'))) })
    }
  }
  onCleanup(() => { for (const fail of hanging) fail() })
  return { answer, calls }
}
