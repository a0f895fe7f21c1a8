#define BOOST_TEST_MODULE souk_runtime
#include <boost/test/unit_test.hpp>
