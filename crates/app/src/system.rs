//! The machine figures the runbook watches: disk use of the storage volume, memory, and
//! this process's CPU and resident memory. Linux `/proc` and `statvfs`; elsewhere a figure
//! is `None` (shown as unknown, never alerted on).

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// Used share of the volume holding `path` (or the working directory when it does not
/// exist yet), in percent.
pub fn disk_used_percent(path: &Path) -> Option<f64> {
    let probe = if path.exists() { path.to_path_buf() } else { std::env::current_dir().ok()? };
    let c = std::ffi::CString::new(probe.to_string_lossy().as_bytes()).ok()?;
    // SAFETY: zeroed is a valid statvfs (plain integers).
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `s` a writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 || s.f_blocks == 0 {
        return None;
    }
    let total = s.f_blocks as f64;
    let free = s.f_bfree as f64;
    Some((total - free) / total * 100.0)
}

/// Free bytes for unprivileged users on the volume holding `path`.
pub fn disk_available_bytes(path: &Path) -> Option<u64> {
    let probe = if path.exists() { path.to_path_buf() } else { std::env::current_dir().ok()? };
    let c = std::ffi::CString::new(probe.to_string_lossy().as_bytes()).ok()?;
    // SAFETY: as above.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return None;
    }
    Some(s.f_bavail as u64 * s.f_frsize as u64)
}

/// `MemTotal` and `MemAvailable` of `/proc/meminfo` text, in kB.
fn parse_meminfo(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l[name.len()..].trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("MemTotal:")?, field("MemAvailable:")?))
}

/// Used share of the machine's memory (what is not available to new work), in percent.
pub fn memory_used_percent() -> Option<f64> {
    let (total, available) = parse_meminfo(&std::fs::read_to_string("/proc/meminfo").ok()?)?;
    (total > 0).then(|| (total.saturating_sub(available)) as f64 / total as f64 * 100.0)
}

/// This process's resident memory in bytes.
pub fn process_resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page.max(1) as u64)
}

/// utime + stime of `/proc/self/stat` text, in clock ticks.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_whitespace();
    let utime: u64 = f.nth(11)?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    Some(utime + stime)
}

/// CPU seconds this process has used.
pub fn process_cpu_seconds() -> Option<f64> {
    let ticks = parse_cpu_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| ticks as f64 / hz as f64)
}

/// Process CPU use between two readings, in percent of one core.
#[derive(Default)]
pub struct CpuMeter(Mutex<Option<(Instant, f64)>>);

impl CpuMeter {
    /// The use since the previous call (`None` on the first).
    pub fn sample(&self) -> Option<f64> {
        let now = (Instant::now(), process_cpu_seconds()?);
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let prev = last.replace(now);
        let (at, used) = prev?;
        let wall = now.0.duration_since(at).as_secs_f64();
        (wall > 0.0).then(|| ((now.1 - used) / wall * 100.0).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_and_stat_are_parsed() {
        let m = "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   6000000 kB\n";
        assert_eq!(parse_meminfo(m), Some((24_000_000, 6_000_000)));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
        let stat = "4242 (invoice pilot) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3";
        assert_eq!(parse_cpu_ticks(stat), Some(300));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn readings_on_this_machine_are_plausible() {
        if !Path::new("/proc/self/stat").exists() {
            eprintln!("SKIP: no /proc on this system");
            return;
        }
        let disk = disk_used_percent(Path::new(".")).expect("statvfs");
        assert!((0.0..=100.0).contains(&disk));
        let mem = memory_used_percent().expect("meminfo");
        assert!((0.0..=100.0).contains(&mem));
        assert!(process_resident_bytes().expect("statm") > 1024 * 1024);
        let meter = CpuMeter::default();
        assert!(meter.sample().is_none(), "the first reading has nothing to compare with");
        let mut x = 0u64;
        for i in 0..3_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let cpu = meter.sample().expect("second reading");
        assert!(cpu >= 0.0, "{cpu}");
    }
}
