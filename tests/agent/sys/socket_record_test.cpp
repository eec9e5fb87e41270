// The socket record a new agent reads to take a service's listening sockets back: the format
// with the group's order round-trips, the one-line format of agents before steering is read as
// a group of one, anything else is no record.
#include "sys/socket_record.hpp"

#include <gtest/gtest.h>

namespace bosun::agent::sys {
namespace {

TEST(SocketRecord, TheGroupsOrderRoundTripsAndTheOldLineIsAGroupOfOne) {
  const SocketRecord record{"[::1]:8000", 4712, {4711, 4712}};
  const std::string text = format_socket_record(record);
  EXPECT_EQ(text, "address [::1]:8000\ncurrent 4712\norder 4711 4712\n");
  const auto back = parse_socket_record(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->address, "[::1]:8000");
  EXPECT_EQ(back->current, 4712U);
  EXPECT_EQ(back->order, (std::vector<unsigned long>{4711, 4712}));

  const auto old = parse_socket_record("4711 127.0.0.1:8000\n");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->address, "127.0.0.1:8000");
  EXPECT_EQ(old->current, 4711U);
  EXPECT_EQ(old->order, (std::vector<unsigned long>{4711}));
}

TEST(SocketRecord, TornOrForeignTextIsNoRecord) {
  for (const char* text : {"", "address 127.0.0.1:8000\n", "address 127.0.0.1:8000\ncurrent 1\n",
                           "address 127.0.0.1:8000\ncurrent 1\norder\n",
                           "address 127.0.0.1:8000\ncurrent 1\norder 1 x\n", "x 127.0.0.1:8000"}) {
    EXPECT_FALSE(parse_socket_record(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace bosun::agent::sys
