/**
 * @actiond/vm-host: running the actiond worker inside a VM. The host side of
 * `serve-vm`: a Hypervisor backend (QEMU now; Virtualization.framework
 * later) boots the guest (vm/README.md), a VmSupervisor keeps it running and
 * restarts it when it dies, and a GrpcHttp2Proxy forwards every call on the
 * listen address to the guest worker. It also holds the two small protocols
 * the guest side (cmd/linux_actiond_guest) shares: the boot config on the
 * kernel command line and the control channel's messages.
 *
 * The cmd assembles it:
 *
 *     const supervisor = new VmSupervisor({ hypervisor: new QemuHypervisor({ accel }), config, ... });
 *     const proxy = new GrpcHttp2Proxy({ upstream: supervisor, waitForGuestMs });
 *     await proxy.listen(host, port);
 *     await supervisor.start();
 */
export type { Hypervisor, RunningVm, VmArch, VmConfig, VmDisk, VmExit } from './hypervisor.ts';
export { QemuHypervisor, type QemuHypervisorOptions } from './qemu-hypervisor.ts';
export { chooseQemuAccel, type AccelChoice, type AccelFacts, type QemuAccel, type QemuAccelRequest } from './qemu-accel.ts';
export { hostVmArch, probeAccelFacts } from './accel-facts.ts';
export { CONTROL_PORT_NAME, qemuCommand, qemuInstallHint, qemuProgram, type QemuHostSide } from './qemu-command.ts';
export { VmSupervisor, DEFAULT_RESTART_POLICY, type RestartPolicy, type VmSupervisorOptions } from './vm-supervisor.ts';
export { GrpcHttp2Proxy, grpcStatusHeaders, type GrpcHttp2ProxyOptions, type UpstreamSessions } from './grpc-http2-proxy.ts';
export { GuestUnavailableError } from './guest-unavailable-error.ts';
export { probeCapabilities, PROBE_PATH } from './capabilities-probe.ts';
export { BOOT_PHASE_TEXT, formatBootTimings, phaseOfConsoleLine, type BootPhase, type BootProgress, type BootTimings } from './boot-progress.ts';
export { ConsoleLog, RECENT_CONSOLE_LINES } from './console-log.ts';
export { HostControlChannel, type ControlChannel, type HostControlChannelOptions } from './host-control-channel.ts';
export { ControlLineSplitter, formatControlMessage, parseControlMessage, MAX_CONTROL_LINE_BYTES, type ControlMessage } from './control-message.ts';
export {
  encodeGuestBootConfig,
  parseGuestBootConfig,
  GUEST_BOOT_CONFIG_PARAMETER,
  MAX_GUEST_BOOT_CONFIG_BYTES,
  type GuestBootConfig,
} from './guest-boot-config.ts';
export { guestEndReason, type GuestEndFacts } from './guest-end-reason.ts';
export { ensureCasImage, MIN_CAS_IMAGE_BYTES, type CasImage } from './cas-disk-image.ts';
export { freeLoopbackPort } from './free-tcp-port.ts';
export { ProgressLine, type ProgressOutput } from './progress-line.ts';
