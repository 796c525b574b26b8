//! Reversible repairs. A finding's evaluated actions (`actions`) become a plan in model terms
//! (`plan`); the store writers (`stores`) turn plans into concrete changes of the live store;
//! `apply` writes them behind a backup set (`backup`) and a lock, and `restore` undoes a set.

pub mod actions;
pub mod apply;
pub mod backup;
pub mod config_edit;
pub mod dotenv;
pub mod fsops;
pub mod locks;
pub mod plan;
pub mod render;
pub mod restore;
pub mod sqlite_rows;
pub mod workspace;
