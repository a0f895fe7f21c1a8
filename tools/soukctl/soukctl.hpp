#pragma once

/// soukctl, whole: what its main() runs (soukctl --help says what it does). Returns the
/// exit code; writes to std::cout and std::cerr. Kept apart from main() so that tests
/// and the argument fuzzer can call it.
int soukctl_main(int argc, char** argv);
