//! DynamoDB's data types.

pub mod number;
pub mod value;

pub use number::{Number, NumberError};
pub use value::{item_size, AttributeValue, Item};
