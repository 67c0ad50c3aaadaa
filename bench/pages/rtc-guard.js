// Loaded before any other script: records the ICE servers of every
// RTCPeerConnection the page creates, so the bench can check that nothing
// (including a third-party bundle such as Bugout's) was given a STUN/TURN
// server. It only observes; the configuration passes through unchanged.
(() => {
  const Native = window.RTCPeerConnection
  const seen = { connections: 0, withIceServers: 0 }
  function RTCPeerConnection (config, ...rest) {
    seen.connections++
    if (config?.iceServers?.length) {
      seen.withIceServers++
      console.error('RTCPeerConnection created with ICE servers:', JSON.stringify(config.iceServers))
    }
    return new Native(config, ...rest)
  }
  RTCPeerConnection.prototype = Native.prototype
  Object.setPrototypeOf(RTCPeerConnection, Native)
  window.RTCPeerConnection = RTCPeerConnection
  window.rtcGuard = seen
})()
