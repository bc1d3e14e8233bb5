/* CPython for wasm32-wasip1 as a reactor with two entry points, so that a module can be
 * pre-initialised (wasm/snapshot/snapshot.py):
 *   snapshot_init  starts the interpreter and prepares the script worker (imports, warm-up),
 *                  then returns: nothing is on the stack, all state is in linear memory;
 *   snapshot_serve serves frames on stdin/stdout until stdin ends, and returns its exit code
 *                  (without proc_exit: a trap, whose backtrace wasmtime would capture).
 * The host calls snapshot_init once, writes the memory it leaves into a new module, and
 * calls snapshot_serve on each fresh instance of that module. */
#include <Python.h>

__attribute__((export_name("snapshot_init"))) int snapshot_init(void) {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.site_import = 0;
    config.write_bytecode = 0;
    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        return 1;
    }
    return PyRun_SimpleString(
        "import sys\n"
        "sys.path.insert(0, '/app')\n"
        "import script_guest\n"
        "script_guest.prepare()\n");
}

__attribute__((export_name("snapshot_serve"))) int snapshot_serve(void) {
    PyObject *guest = PyImport_ImportModule("script_guest");
    PyObject *code = guest ? PyObject_CallMethod(guest, "serve", NULL) : NULL;
    Py_XDECREF(guest);
    if (code == NULL) {
        PyErr_Print();
        return 1;
    }
    long value = PyLong_AsLong(code);
    Py_DECREF(code);
    return (int)value;
}
