// The words a friend's request is refused with, shared by the stores that answer them.

export const NOT_A_FRIEND = 'You are not a friend of this person.'
/** The one answer for missing, hidden and non-file items alike: a friend
 *  cannot tell an item they may not see from one that does not exist. */
export const NO_SUCH_ITEM = 'No such item.'
