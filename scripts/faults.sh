# Production-like faults on one member of a running etcd cluster, shared by
# etcd-cluster.sh (loopback) and etcd-netns-cluster.sh (one network namespace per member).
# Sourced, not run. The caller defines:
#   die MSG, truth TEXT       error exit and ground-truth line
#   PID[i]                    member i's etcd pid
#   CGROUPS=()                the cgroups made here (the caller's exit trap removes them)
#   FAULT_ID                  unique per run: names the cgroups (raftlog-FAULT_ID-i)
#   data_dir I                member I's data directory
#   writer SECONDS            one client writing as fast as it goes, so that the WAL syncs
#   start I, stop_member I SIG   member I's etcd started again / stopped (waited for)
#   need_leader, load K, snap    the leader's index, K writes, a status line in truth.log
# The disk and CPU faults need root and cgroup v1 (blkio for the disk, cpu for the CPU), as on Debian hosts that
# boot with the unified hierarchy off; cgroup v2 would use io.max and cpu.max instead.

# fault_check SCENARIO: refuse early when the machine cannot run it
fault_check() {
  case $1 in
    slowdisk*|slowfollower) [ -w /sys/fs/cgroup/blkio ] || die "$1 needs root and cgroup v1 blkio (/sys/fs/cgroup/blkio)" ;;
    cpu*) [ -w /sys/fs/cgroup/cpu ] || die "$1 needs root and cgroup v1 cpu (/sys/fs/cgroup/cpu)" ;;
  esac
}
# cgroup_of CONTROLLER I: a fresh cgroup for member I, in FAULT_CG (not echoed: a command
# substitution's subshell would lose the CGROUPS entry that the exit trap needs)
cgroup_of() {
  FAULT_CG=/sys/fs/cgroup/$1/raftlog-$FAULT_ID-$2
  mkdir -p "$FAULT_CG" || die "cannot create $FAULT_CG"
  CGROUPS+=("$FAULT_CG")
}
uncgroup() { # uncgroup CG: its processes back to the root group, the group removed
  local cg=$1 p root=${1%/*}
  for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do echo "$p" > "$root/cgroup.procs" 2>/dev/null; done
  rmdir "$cg" 2>/dev/null
}
# fault_window CONTROLLER I SECONDS LABEL FILE ON OFF: member I's process in a fresh cgroup
# of CONTROLLER under a write load; ON written to the group's FILE for SECONDS s (truth.log:
# "LABEL nI start" / "LABEL nI end"), then OFF, and the process back in the root group.
fault_window() {
  local ctl=$1 i=$2 secs=$3 label=$4 file=$5 on=$6 off=$7 cg wp
  cgroup_of "$ctl" "$i"; cg=$FAULT_CG
  if [ "$ctl" = cpu ]; then echo "${CPU_PERIOD_US:-100000}" > "$cg/cpu.cfs_period_us"; fi
  echo "${PID[$i]}" > "$cg/cgroup.procs" || die "cannot move n$i into $cg"
  writer "$((secs + 2))" & wp=$!
  sleep 1
  echo "$on" > "$cg/$file" || die "$ctl limit refused ($file: $on)"
  truth "$label n$i start ($file $on)"
  sleep "$secs"
  echo "$off" > "$cg/$file"
  truth "$label n$i end"
  wait "$wp" 2>/dev/null; uncgroup "$cg"
}
# slow_disk I: member I's writes throttled to SLOW_IOPS per second for SLOW_S s. Only its
# block I/O waits: unlike strace attached with -p, the CPU and every other syscall run at
# full speed.
slow_disk() {
  local dir dev; dir=$(data_dir "$1")
  dev=$(findmnt -n -o MAJ:MIN -T "$dir") || die "no device for $dir"
  dev=${dev// /}
  fault_window blkio "$1" "${SLOW_S:-6}" SLOWDISK blkio.throttle.write_iops_device "$dev ${SLOW_IOPS:-1}" "$dev 0"
}
# starve_cpu I: member I's process limited to CPU_QUOTA_US per CPU_PERIOD_US for CPU_S s.
starve_cpu() {
  fault_window cpu "$1" "${CPU_S:-6}" CPUSTARVE cpu.cfs_quota_us "${CPU_QUOTA_US:-2000}" -1
}
# rolling_restart: each member in turn stopped with SIGTERM and started again, the
# followers first and the leader last, as a maintenance restarts a cluster one member at
# a time. truth.log: "SIGTERM nI", "exited nI", "restart nI" for each member, then
# "leader nL" and a status line once the cluster has a leader again. RESTART_GAP_S (1):
# seconds a member stays down; ROLL_SETTLE_S (3): seconds to wait after its start.
rolling_restart() {
  local l i order=()
  l=$(need_leader) || exit 1
  for i in $(seq 1 "$N"); do [ "$i" = "$l" ] || order+=("$i"); done
  order+=("$l")
  for i in "${order[@]}"; do
    truth "SIGTERM n$i"; stop_member "$i" TERM; truth "exited n$i"
    sleep "${RESTART_GAP_S:-1}"
    start "$i"; truth "restart n$i"
    sleep "${ROLL_SETTLE_S:-3}"
    L=$(need_leader) || exit 1; truth "leader n$L"; load 5; snap
  done
}
