// Package usage measures a process's resource use, for crawlbench's scale
// benchmarks: resident memory and its peak, Go heap, goroutines, open files
// and CPU time.
//
// [ReadProc] reads any process (this one or a child, by pid) from /proc:
// VmRSS, VmHWM (the peak RSS, which [ResetPeak] restarts), threads, open
// file descriptors and CPU time. A [Sampler] watches this process while a
// batch runs, every interval, and keeps the peak of each figure, adding the
// Go runtime's own (heap objects, goroutines); [Sampler.Stop] returns them
// as a [Usage], which travels as JSON from a worker process to its parent
// and adds up over processes with [Usage.Add].
//
// Everything here is Linux-specific (it reads /proc); on error a figure is
// left at zero and the error returned, never guessed.
package usage
