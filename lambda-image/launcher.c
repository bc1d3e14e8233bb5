/* /var/lang/bin/python3.13: CPython's own `python` program (Programs/python.c), linked against
   libpython3.13.so.1.0 without a RUNPATH, as Lambda's interpreter is: it starts only where the
   dynamic loader finds the library, through LD_LIBRARY_PATH (/var/lang/lib). Debian's
   /usr/bin/python3.13 carries libpython inside it and would hide that failure. */
extern int Py_BytesMain(int argc, char **argv);

int main(int argc, char **argv) { return Py_BytesMain(argc, argv); }
