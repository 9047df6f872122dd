/**
 * The form in which the masking processor compares attribute keys: lower case, without `.`, `_` or `-`,
 * so `USER.ID`, `user_id` and `userId` are all `user.id`. A sender cannot slip past a rule by spelling.
 */
export const canonicalKey = (key: string): string => key.toLowerCase().replace(/[._-]/g, "");
