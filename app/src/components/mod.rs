//! Building blocks shared by the pages.

pub mod auth;
pub mod confirm;
pub mod copy;
pub mod course;
pub mod form;
pub mod layout;
pub mod secret;
pub mod table;
