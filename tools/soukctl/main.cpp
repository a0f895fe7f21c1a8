// soukctl: the support and admin CLI (tools/soukctl/soukctl.cpp).
#include "tools/soukctl/soukctl.hpp"

int main(int argc, char** argv) { return soukctl_main(argc, argv); }
