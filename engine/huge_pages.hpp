// A hint to back a large buffer with transparent huge pages where the system allows it
// (Linux `madvise(MADV_HUGEPAGE)`; THP in "madvise" mode, Debian's default).
//
// Why: a statistics file for a million customers is about 40 MB of buffers written once
// (the file's text, one column of doubles per percentile tiers); with 4 KB pages each page
// is a fault, and on virtual machines faults are slow: loading took 0.33 s, 0.16 s with
// huge pages. Rank lookups then also miss the TLB less.
#pragma once

#include <cstddef>

namespace retain {

// Advises [data, data + bytes): only the whole 2 MB pages inside it; does nothing for
// smaller buffers, on other systems, or when the kernel says no. Call it before the buffer is
// first written.
void advise_huge_pages(void* data, std::size_t bytes);

}  // namespace retain
