//! Real-time scheduling for the threads that feed and drain the sound devices.
//!
//! cpal's PulseAudio host calls back on an ordinary thread and keeps only two periods in the
//! server's buffer. On a busy machine (the window repainting, a build beside it) such a thread
//! can wait longer than a period for a core, and the listener hears a gap. Linux grants
//! real-time scheduling either directly (root, or an `RLIMIT_RTPRIO` such as the one PipeWire's
//! limits file gives its group) or through rtkit over the system D-Bus, which desktop sessions
//! run. Each audio callback asks once, on its first call; a refusal is logged and the sound
//! plays at normal priority, as before. CoreAudio and WASAPI already call back on real-time
//! threads, so elsewhere this does nothing.

/// The priority asked for: low among real-time threads (PipeWire's own run at 88), above every
/// ordinary one. rtkit caps it (20 by default).
#[cfg(target_os = "linux")]
const PRIORITY: i32 = 10;

/// Raise the calling thread to real-time scheduling. Meant for an audio callback's first call:
/// the direct request is one system call; only when it is refused does a short-lived thread ask
/// rtkit, so the callback never waits on D-Bus.
pub(crate) fn promote_current_thread() {
    #[cfg(target_os = "linux")]
    linux::promote_current_thread();
}

/// Whether the calling thread is scheduled in real time.
#[cfg(all(test, target_os = "linux"))]
fn current_thread_is_realtime() -> bool {
    linux::is_realtime(0)
}

#[cfg(target_os = "linux")]
mod linux {
    use super::PRIORITY;
    use std::time::Duration;

    pub(super) fn promote_current_thread() {
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() };
        if is_realtime(tid) {
            return;
        }
        match set_fifo(tid) {
            Ok(()) => tracing::debug!(tid, "audio thread promoted to real time"),
            Err(direct) => {
                let spawned = std::thread::Builder::new()
                    .name("sb-rtkit".into())
                    .spawn(move || match through_rtkit(tid) {
                        Ok(priority) => {
                            tracing::debug!(tid, priority, "audio thread made real time by rtkit")
                        }
                        Err(rtkit) => tracing::info!(
                            tid,
                            %direct,
                            %rtkit,
                            "the audio thread stays at normal priority; a busy machine may cause gaps"
                        ),
                    });
                if let Err(e) = spawned {
                    tracing::warn!("cannot ask rtkit for real-time audio: {e}");
                }
            }
        }
    }

    pub(super) fn is_realtime(tid: libc::pid_t) -> bool {
        // SAFETY: sched_getscheduler only reads the policy of the given thread (0 = this one).
        let policy = unsafe { libc::sched_getscheduler(tid) };
        let policy = policy & !libc::SCHED_RESET_ON_FORK;
        policy == libc::SCHED_FIFO || policy == libc::SCHED_RR
    }

    pub(super) fn set_fifo(tid: libc::pid_t) -> std::io::Result<()> {
        let param = libc::sched_param {
            sched_priority: PRIORITY,
        };
        // SAFETY: param is a valid sched_param for the duration of the call. Children forked
        // from this thread start at normal priority (SCHED_RESET_ON_FORK).
        let rc = unsafe {
            libc::sched_setscheduler(tid, libc::SCHED_FIFO | libc::SCHED_RESET_ON_FORK, &param)
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// rtkit's protocol: the process must cap its real-time CPU time (`RLIMIT_RTTIME`) at or
    /// below rtkit's `RTTimeUSecMax`, so a runaway real-time thread is stopped instead of
    /// freezing the desktop; then `MakeThreadRealtimeWithPID` raises the thread.
    fn through_rtkit(tid: libc::pid_t) -> Result<u32, String> {
        use dbus::blocking::Connection;
        use dbus::blocking::stdintf::org_freedesktop_dbus::Properties;

        const NAME: &str = "org.freedesktop.RealtimeKit1";
        let bus = Connection::new_system().map_err(|e| format!("no system D-Bus ({e})"))?;
        let rtkit = bus.with_proxy(
            NAME,
            "/org/freedesktop/RealtimeKit1",
            Duration::from_secs(2),
        );
        let max_priority: i32 = rtkit
            .get(NAME, "MaxRealtimePriority")
            .map_err(|e| format!("rtkit does not answer ({e})"))?;
        let max_rttime: i64 = rtkit
            .get(NAME, "RTTimeUSecMax")
            .map_err(|e| format!("rtkit does not answer ({e})"))?;
        cap_rttime(u64::try_from(max_rttime).unwrap_or(0))?;
        let priority = PRIORITY.min(max_priority).max(1) as u32;
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { libc::getpid() } as u64;
        rtkit
            .method_call::<(), _, _, _>(
                NAME,
                "MakeThreadRealtimeWithPID",
                (pid, tid as u64, priority),
            )
            .map_err(|e| format!("rtkit refused ({e})"))?;
        Ok(priority)
    }

    fn cap_rttime(max_micros: u64) -> Result<(), String> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: limit is a valid rlimit to fill.
        if unsafe { libc::getrlimit(libc::RLIMIT_RTTIME, &mut limit) } != 0 {
            return Err(format!(
                "cannot read RLIMIT_RTTIME ({})",
                std::io::Error::last_os_error()
            ));
        }
        if limit.rlim_max != libc::RLIM_INFINITY && limit.rlim_max <= max_micros {
            return Ok(());
        }
        let capped = libc::rlimit {
            rlim_cur: max_micros,
            rlim_max: max_micros,
        };
        // SAFETY: capped is a valid rlimit; lowering a limit needs no privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &capped) } != 0 {
            return Err(format!(
                "cannot cap RLIMIT_RTTIME ({})",
                std::io::Error::last_os_error()
            ));
        }
        Ok(())
    }

    /// Whether this process may set real-time scheduling itself.
    #[cfg(test)]
    pub(super) fn may_set_directly() -> bool {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: geteuid has no preconditions; limit is a valid rlimit to fill.
        unsafe {
            libc::geteuid() == 0
                || (libc::getrlimit(libc::RLIMIT_RTPRIO, &mut limit) == 0
                    && limit.rlim_cur >= PRIORITY as libc::rlim_t)
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_allowed_real_time_gets_it_and_the_rest_of_the_process_does_not() {
        if !linux::may_set_directly() {
            // Without the privilege the direct request is refused (rtkit is asked instead).
            let refused = std::thread::spawn(|| linux::set_fifo(0)).join().unwrap();
            assert_eq!(refused.unwrap_err().raw_os_error(), Some(libc::EPERM));
            return;
        }
        std::thread::spawn(|| {
            assert!(
                !current_thread_is_realtime(),
                "threads start at normal priority"
            );
            promote_current_thread();
            assert!(current_thread_is_realtime(), "the thread runs SCHED_FIFO");
            promote_current_thread();
            assert!(current_thread_is_realtime(), "asking twice changes nothing");
            // SAFETY: sched_getparam fills a valid sched_param for this thread.
            let mut param = libc::sched_param { sched_priority: 0 };
            assert_eq!(unsafe { libc::sched_getparam(0, &mut param) }, 0);
            assert_eq!(param.sched_priority, PRIORITY);
        })
        .join()
        .unwrap();
        // The process's other threads are untouched.
        assert!(!current_thread_is_realtime());
    }
}
