//! The page of a list a caller asks for: `page` from 1, `per_page` from 1 to 100, each list with
//! its own default; and the SQL window it means.

use domain::dto::Page;

use crate::ServiceError;

pub const MAX_PER_PAGE: u32 = 100;
const MAX_PAGE: u32 = 100_000;

#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub page: u32,
    pub per_page: u32,
}

impl Window {
    pub fn parse(
        page: Option<u32>,
        per_page: Option<u32>,
        default: u32,
    ) -> Result<Window, ServiceError> {
        let per_page = per_page.unwrap_or(default);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ServiceError::invalid(
                "per_page",
                &format!("Choose between 1 and {MAX_PER_PAGE} per page."),
            ));
        }
        let page = page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(ServiceError::invalid(
                "page",
                &format!("Pages are numbered from 1 to {MAX_PAGE}."),
            ));
        }
        Ok(Window { page, per_page })
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// The page of `items` found in this window, out of `total`.
    pub fn page<T>(&self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            page: self.page,
            per_page: self.per_page,
            total,
            total_is_estimate: false,
        }
    }
}
