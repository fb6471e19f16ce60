/* Test-only stand-in for Windows' bcryptprimitives.dll, which Debian's Wine 8.0 lacks.
 *
 * Rust's standard library on Windows gets its random numbers from ProcessPrng in
 * bcryptprimitives.dll; without that DLL deskbook.exe does not start under Wine. This DLL,
 * built by tests/windows.rs with mingw and placed beside the exe in the test's folder,
 * answers ProcessPrng with RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * It is never shipped: real Windows (8 and later) has the DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
