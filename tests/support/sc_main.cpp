// libsystemc.so refers to sc_main; the test binaries start from GoogleTest's main instead and
// elaborate their models directly, so this is never called.
extern "C" int sc_main(int, char**) { return 1; }
