/* A shared library without the certagent entry point. */
int some_other_function(int x) { return x + 1; }
