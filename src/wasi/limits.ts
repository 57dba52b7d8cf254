// The bounds every host function puts on the counts and lengths a guest
// passes, checked before the host allocates or loops in proportion to them.
// Where Linux has the same bound, dialtone uses its number and its errno.

/** Most iovecs one read or write takes (Linux `IOV_MAX`); more is EINVAL. */
export const MAX_IOVECS = 1024;

/**
 * Most bytes one read or write transfers (Linux `MAX_RW_COUNT`, 2 GiB less
 * a page): a longer iovec list is cut short there, as the kernel does, and
 * the call reports the shorter count.
 */
export const MAX_RW_BYTES = 0x7ffff000;

/**
 * Longest path a guest may pass, in bytes (Linux `PATH_MAX` counts the
 * terminating NUL, so 4095 bytes of text is the longest that fits); a path
 * of `MAX_PATH_BYTES` bytes or more is ENAMETOOLONG.
 */
export const MAX_PATH_BYTES = 4096;

/**
 * Most subscriptions one `poll_oneoff` takes; more is EINVAL (as `poll(2)`
 * answers past RLIMIT_NOFILE). A Go guest uses at most two per open
 * descriptor plus one clock, and a guest holds at most
 * {@link MAX_OPEN_FILES} descriptors (4096 unless capped lower).
 */
export const MAX_POLL_SUBSCRIPTIONS = 65536;

/**
 * Largest descriptor cap a caller may set (`maxOpenFiles`,
 * `--max-open-files`): past it, one `poll_oneoff` waiting on every
 * descriptor (two subscriptions each, and a clock) would exceed
 * {@link MAX_POLL_SUBSCRIPTIONS}.
 */
export const MAX_OPEN_FILES = MAX_POLL_SUBSCRIPTIONS / 2 - 1;

/**
 * Longest host name a guest may ask to resolve, in bytes (`NI_MAXHOST`
 * less its NUL; DNS names stop at 253); longer is EINVAL.
 */
export const MAX_HOST_NAME_BYTES = 1024;

/** Longest service name or network name (`NI_MAXSERV` less its NUL); longer is EINVAL. */
export const MAX_SERVICE_NAME_BYTES = 31;
