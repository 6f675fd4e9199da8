/**
 * In-process SSH, shared by the libvirt transports (qemu+libssh) and QMP over SSH: known_hosts
 * matching, key/agent authentication, channel streams, and for QMP a pooled connection per host
 * with unix-socket channels. Imports nothing else of ours.
 */
export { SshLinkError, findSshLinkError, type SshLinkDetails, type SshLinkFailureReason } from "./errors";
export { SshSession, resolveTarget, type SshTarget } from "./session";
export { SshPool, sshPool, SSH_IDLE_MS, type SshLease } from "./pool";
export { streamLocalDialer, type StreamLocalDialer } from "./dialer";
