// What a file names its backups by (shown to the user, used by the UI). Apart
// from backup-format.ts so the first screen names the file type without
// loading the file format's code (msgpack, scrypt) before a save or restore.
export const BACKUP_FILE_EXTENSION = '.kithbackup'
