#define BOOST_TEST_MODULE souk_actors
#include <boost/test/unit_test.hpp>
