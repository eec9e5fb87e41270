// The model of a SO_REUSEPORT group's order: joins append, closes swap-remove, as the kernel
// does; reconciling with the listeners the kernel lists is trusted only when certain.
#include "sys/reuseport_order.hpp"

#include <gtest/gtest.h>

namespace bosun::agent::sys {
namespace {

using Members = std::vector<unsigned long>;

TEST(ReuseportOrder, JoinsAppendAndACloseMovesTheLastIntoItsPlace) {
  ReuseportOrder order;
  order.joined(10);
  order.joined(20);
  order.joined(30);
  order.joined(20);  // already a member: no second place
  EXPECT_EQ(order.members(), (Members{10, 20, 30}));
  order.left(10);
  EXPECT_EQ(order.members(), (Members{30, 20}));
  EXPECT_EQ(order.index_of(30), 0U);
  EXPECT_EQ(order.index_of(20), 1U);
  order.left(20);  // the last one: nothing moves
  EXPECT_EQ(order.members(), (Members{30}));
  order.left(99);
  EXPECT_EQ(order.members(), (Members{30}));
  EXPECT_FALSE(order.index_of(10).has_value());
}

TEST(ReuseportOrder, ReconcilingTrustsOneCloseNobodySawButNotTwoOrAStranger) {
  ReuseportOrder one_gone(Members{10, 20});
  EXPECT_TRUE(one_gone.reconcile({20}));
  EXPECT_EQ(one_gone.members(), (Members{20}));

  ReuseportOrder unchanged(Members{10, 20});
  EXPECT_TRUE(unchanged.reconcile({10, 20}));
  EXPECT_EQ(unchanged.members(), (Members{10, 20}));

  ReuseportOrder two_gone(Members{10, 20, 30, 40});
  EXPECT_FALSE(two_gone.reconcile({30, 40}));

  ReuseportOrder stranger(Members{10});
  EXPECT_FALSE(stranger.reconcile({10, 77}));  // a socket the agent never made
}

}  // namespace
}  // namespace bosun::agent::sys
