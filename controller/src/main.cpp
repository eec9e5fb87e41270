// bosun: the laptop command line. Only wiring lives here; see bosun_cli.cpp.

#include <iostream>
#include <string>
#include <vector>

#include "bosun/controller/bosun_cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return bosun::controller::run_bosun(args, std::cout, std::cerr);
}
