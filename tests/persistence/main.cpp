#define BOOST_TEST_MODULE souk_persistence
#include <boost/test/unit_test.hpp>
