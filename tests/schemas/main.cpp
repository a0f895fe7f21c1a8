#define BOOST_TEST_MODULE souk_schemas
#include <boost/test/unit_test.hpp>
