//! lambdas
