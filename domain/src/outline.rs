//! The ordered parts of a course's outline, named by their public ids: the course editor moves,
//! deletes and reorders modules and lessons through one set of controls, and each id's prefix
//! says which kind it names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::IdParseError;
use crate::{CourseId, LessonId, ModuleId};

/// One entry of an outline that has a place among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutlineItem {
    Module(ModuleId),
    Lesson(LessonId),
}

/// What holds an ordered list of outline items: a course its modules, a module its lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutlineParent {
    Course(CourseId),
    Module(ModuleId),
}

impl OutlineItem {
    /// The word for it in element ids and labels ("Move module Basics up").
    pub fn kind(&self) -> &'static str {
        match self {
            OutlineItem::Module(_) => "module",
            OutlineItem::Lesson(_) => "lesson",
        }
    }

    pub fn module(self) -> Option<ModuleId> {
        match self {
            OutlineItem::Module(id) => Some(id),
            OutlineItem::Lesson(_) => None,
        }
    }

    pub fn lesson(self) -> Option<LessonId> {
        match self {
            OutlineItem::Lesson(id) => Some(id),
            OutlineItem::Module(_) => None,
        }
    }
}

impl fmt::Display for OutlineItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutlineItem::Module(id) => id.fmt(f),
            OutlineItem::Lesson(id) => id.fmt(f),
        }
    }
}

impl fmt::Display for OutlineParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutlineParent::Course(id) => id.fmt(f),
            OutlineParent::Module(id) => id.fmt(f),
        }
    }
}

impl FromStr for OutlineItem {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        (text.parse().map(OutlineItem::Module))
            .or_else(|_| text.parse().map(OutlineItem::Lesson))
            .map_err(|_| IdParseError {
                expected: "module or lesson",
            })
    }
}

impl FromStr for OutlineParent {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        (text.parse().map(OutlineParent::Course))
            .or_else(|_| text.parse().map(OutlineParent::Module))
            .map_err(|_| IdParseError {
                expected: "course or module",
            })
    }
}

/// Both travel as the id's text, as every public id does.
macro_rules! serde_as_text {
    ($name:ident) => {
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_as_text!(OutlineItem);
serde_as_text!(OutlineParent);

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_prefix_says_which_kind_an_id_names() {
        let module = ModuleId::from_uuid(Uuid::from_u128(1));
        let lesson = LessonId::from_uuid(Uuid::from_u128(2));
        let course = CourseId::from_uuid(Uuid::from_u128(3));
        assert_eq!(module.to_string().parse(), Ok(OutlineItem::Module(module)));
        assert_eq!(lesson.to_string().parse(), Ok(OutlineItem::Lesson(lesson)));
        assert!(course.to_string().parse::<OutlineItem>().is_err());
        assert_eq!(
            course.to_string().parse(),
            Ok(OutlineParent::Course(course))
        );
        assert_eq!(
            module.to_string().parse(),
            Ok(OutlineParent::Module(module))
        );
        assert!(lesson.to_string().parse::<OutlineParent>().is_err());
    }

    #[test]
    fn items_travel_as_their_id_text() {
        let item = OutlineItem::Lesson(LessonId::from_uuid(Uuid::from_u128(9)));
        let json = serde_json::to_string(&item).unwrap_or_default();
        assert_eq!(json, format!("\"{item}\""));
        assert_eq!(serde_json::from_str::<OutlineItem>(&json).ok(), Some(item));
        assert_eq!(item.kind(), "lesson");
        assert_eq!(item.module(), None);
    }
}
