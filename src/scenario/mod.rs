//! Scenarios: the YAML files under `scenarios/` — their model and their loading with
//! file:line:column errors.

mod expect;
mod faults;
mod load;
mod model;
#[cfg(test)]
mod tests;

pub use load::{
    MAX_DEPTH, MAX_FILE_BYTES, OrderIds, ScenarioError, is_valid_name, list_names, load_file,
    load_named, load_reseeded, parse,
};
pub use model::{Customer, Fault, FaultResponse, FaultTarget, Line, Order, Scenario, Stock, Via};
