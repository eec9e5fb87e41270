// The listening sockets of /proc/net/tcp and tcp6 as text, and which of them are loopback.

#include <gtest/gtest.h>

#include "agent_namespaces.hpp"
#include "report/listeners.hpp"

namespace bosun::agent {
namespace {

const std::string k_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n";

std::string row(const std::string& local, const std::string& state, unsigned long inode) {
  return "   0: " + local + " 00000000:0000 " + state +
         " 00000000:00000000 00:00000000 00000000     0        0 " + std::to_string(inode) +
         " 1 0000000000000000 100 0 0 10 0\n";
}

TEST(Listeners, ReadsListeningSocketsAndTellsLoopbackApart) {
  const auto v4 = report::parse_listening(k_header + row("00000000:18F6", "0A", 11) +
                                              row("0100007F:1F40", "0A", 12) +
                                              row("0100007F:1F40", "01", 13) +  // a connection
                                              row("0200007F:0050", "0A", 14),
                                          false);
  ASSERT_EQ(v4.size(), 3U);
  EXPECT_EQ(v4.at(11).where(), "0.0.0.0:6390");
  EXPECT_FALSE(v4.at(11).loopback);
  EXPECT_EQ(v4.at(12).where(), "127.0.0.1:8000");
  EXPECT_TRUE(v4.at(12).loopback);
  EXPECT_EQ(v4.at(14).where(), "127.0.0.2:80");
  EXPECT_TRUE(v4.at(14).loopback);  // all of 127.0.0.0/8

  const auto v6 =
      report::parse_listening(k_header + row("00000000000000000000000000000000:0050", "0A", 21) +
                                  row("00000000000000000000000001000000:0050", "0A", 22) +
                                  row("0000000000000000FFFF00000100007F:0050", "0A", 23),
                              true);
  ASSERT_EQ(v6.size(), 3U);
  EXPECT_EQ(v6.at(21).where(), "[::]:80");
  EXPECT_FALSE(v6.at(21).loopback);
  EXPECT_EQ(v6.at(22).where(), "[::1]:80");
  EXPECT_TRUE(v6.at(22).loopback);
  EXPECT_TRUE(v6.at(23).loopback);  // ::ffff:127.0.0.1
}

TEST(Listeners, ALineThatIsNotASocketIsSkipped) {
  EXPECT_TRUE(report::parse_listening(
                  k_header + "garbage\n   1: zz:zz\n" + row("ZZZZZZZZ:0050", "0A", 31), false)
                  .empty());
}

}  // namespace
}  // namespace bosun::agent
