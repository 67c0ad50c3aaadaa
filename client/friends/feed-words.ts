// What a friend's feed says when a request fails, in words a person can
// read: our own sentences only, never a message from the friend's node.
import { KithError } from '../../shared/wire/errors'
import { BAD_PIECE, FILE_TOO_LARGE, NO_SPACE_HERE } from '../files/file-errors'

export const NOT_CACHED = 'That file is no longer shared with you.'

export function plainFileError (err: KithError): string {
  // Our own sentences are shown; a message from the friend's node is not.
  if (err.message === BAD_PIECE || err.message === FILE_TOO_LARGE || err.message.endsWith(NO_SPACE_HERE)) return err.message
  return err.code === 'NOT_FOUND' ? NOT_CACHED : 'That file could not be downloaded.'
}

/** A failure in words a person can read; the request itself stays queued. */
export function describe (err: unknown): string {
  const code = err instanceof KithError ? err.code : 'INTERNAL'
  switch (code) {
    case 'TIMEOUT': return 'Your friend did not answer in time. Your request waits and is tried again.'
    case 'CLOSED': return 'The connection to your friend was lost. Your request waits until they are back.'
    case 'RATE_LIMITED': return 'Your friend’s node is busy. Your request waits and is tried again.'
    default: return 'Something went wrong talking to your friend. Your request waits and is tried again.'
  }
}
