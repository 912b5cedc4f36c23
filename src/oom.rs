//! Running out of memory is exit 2 with a message, never an abort (SIGABRT).
//! The global allocator is the system's, wrapped: when an allocation fails it
//! writes a fixed message to stderr with `write(2)` (allocating nothing more)
//! and ends the process with `_exit(2)`.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct ExitOnOom;

/// The decimal digits of `n` into `buf`, from its end; returns where they start.
fn digits(mut n: usize, buf: &mut [u8; 24]) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return i;
        }
    }
}

#[cold]
fn out_of_memory(size: usize) -> ! {
    let mut buf = [0u8; 24];
    let start = digits(size, &mut buf);
    let parts: [&[u8]; 3] = [
        b"error: out of memory: an allocation of ",
        &buf[start..],
        b" bytes failed (the process's memory limit, such as ulimit -v or a cgroup's, or the machine's memory is used up); \
check a smaller input, or raise the limit\n",
    ];
    for p in parts {
        // SAFETY: writes bytes of a live slice to fd 2; the result is ignored
        // (nothing else can be done when stderr is gone).
        unsafe {
            libc::write(2, p.as_ptr().cast(), p.len());
        }
    }
    // SAFETY: ends the process at once, running nothing that could allocate.
    unsafe { libc::_exit(2) }
}

// SAFETY: every call goes to `System`, unchanged; a null result ends the process.
unsafe impl GlobalAlloc for ExitOnOom {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}
