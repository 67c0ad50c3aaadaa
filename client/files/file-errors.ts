// What a failed download says: apart from file-download.ts, which loads
// with the first download, since feeds show these words.
import { MAX_FILE_BYTES } from '../../shared/protocol/items'

export const BAD_PIECE = 'Your friend’s node sent a piece of the file that does not match what was asked for, so the download was stopped.'
/** Said after "Your browser has no room left for Kith: … used of …." (see no-room.ts). */
export const NO_SPACE_HERE = 'This file was not kept. Clear cached copies or free some space, then download it again.'
export const FILE_TOO_LARGE = `This file is larger than Kith allows (${MAX_FILE_BYTES / 1024 / 1024 / 1024} GB), so it was not downloaded.`
