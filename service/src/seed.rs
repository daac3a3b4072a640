//! The demo tenant that `cargo xtask run` starts with: an admin, a teacher, two students, and one
//! published course with a timed quiz of one question of each kind. Seeding twice changes nothing.

use domain::quiz_input::{OptionForm, QuestionForm, QuestionInput};
use domain::{DisplayName, OptionId, Password, Role, Slug, TenantId};

use crate::db::{new_id, tenant_tx};
use crate::{password, tenants, ServiceError, Store};

pub const DEMO_SLUG: &str = "demo";
/// Printed at start and in the README; only ever used for the demo tenant.
pub const DEMO_PASSWORD: &str = "lectern-demo-2026";

pub struct DemoLogin {
    pub email: &'static str,
    pub role: Role,
}

pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        email: "admin@demo.lectern.test",
        role: Role::Admin,
    },
    DemoLogin {
        email: "teacher@demo.lectern.test",
        role: Role::Teacher,
    },
    DemoLogin {
        email: "student1@demo.lectern.test",
        role: Role::Student,
    },
    DemoLogin {
        email: "student2@demo.lectern.test",
        role: Role::Student,
    },
];

const DEMO_NAMES: [&str; 4] = ["Ada Admin", "Tomás Teacher", "Sam Student", "Siân Student"];

/// Creates the demo tenant unless it exists. Returns whether it created it.
pub async fn demo(store: &Store) -> Result<bool, ServiceError> {
    let slug = Slug::parse("slug", DEMO_SLUG)?;
    if tenants::find_by_slug(&store.pool, &slug).await?.is_some() {
        return Ok(false);
    }
    let tenant = tenants::create(
        &store.pool,
        &slug,
        &DisplayName::parse("name", "Demo University")?,
        true,
    )
    .await?;
    let password = Password::parse_new("password", DEMO_PASSWORD)?;
    let hash = password::hash(&password).await?;
    let mut tx = tenant_tx(&store.pool, tenant).await?;
    let mut teacher = None;
    for (login, name) in DEMO_LOGINS.iter().zip(DEMO_NAMES) {
        let id = new_id();
        sqlx::query!(
            "insert into app_user (id, tenant_id, email, name, role, password_hash) values ($1, $2, $3, $4, $5, $6)",
            id,
            tenant.as_uuid(),
            login.email,
            name,
            login.role.as_str(),
            hash
        )
        .execute(&mut *tx)
        .await?;
        if login.role == Role::Teacher {
            teacher = Some(id);
        }
    }
    let owner = teacher.ok_or_else(|| anyhow::anyhow!("the demo logins include a teacher"))?;
    seed_course(&mut tx, tenant, owner).await?;
    tx.commit().await?;
    Ok(true)
}

async fn seed_course(
    tx: &mut crate::db::Tx,
    tenant: TenantId,
    owner: uuid::Uuid,
) -> Result<(), ServiceError> {
    let course = new_id();
    sqlx::query!(
        "insert into course (id, tenant_id, slug, title, summary, status, owner_id, published_at) values ($1, $2, $3, $4, $5, 'published', $6, now())",
        course,
        tenant.as_uuid(),
        "intro-to-lectern",
        "Introduction to Lectern",
        "A short tour of learning on Lectern: lessons, progress, and a timed quiz at the end.",
        owner
    )
    .execute(&mut **tx)
    .await?;
    let module = new_id();
    sqlx::query!(
        "insert into course_module (id, tenant_id, course_id, title, position) values ($1, $2, $3, 'Getting started', 0)",
        module,
        tenant.as_uuid(),
        course
    )
    .execute(&mut **tx)
    .await?;
    let lessons = [
        ("Welcome", "Welcome to **Lectern**. Each course is made of modules, and each module of lessons.\n\nMark a lesson complete when you have read it: your progress shows on *My courses*."),
        ("Finding your way", "- The **catalog** lists the courses you can join.\n- **My courses** shows those you are in, with your progress.\n- Lessons may hold text, videos, files and quizzes."),
    ];
    for (position, (title, text)) in (0i32..).zip(lessons) {
        sqlx::query!(
            "insert into lesson (id, tenant_id, course_id, module_id, title, position, blocks) values ($1, $2, $3, $4, $5, $6, $7)",
            new_id(),
            tenant.as_uuid(),
            course,
            module,
            title,
            position,
            serde_json::json!([{ "kind": "markdown", "text": text }])
        )
        .execute(&mut **tx)
        .await?;
    }
    let quiz = new_id();
    sqlx::query!(
        "insert into quiz (id, tenant_id, course_id, title, instructions, time_limit_minutes, passing_score, max_attempts, status, published_at)
         values ($1, $2, $3, $4, $5, 10, 70, 3, 'published', now())",
        quiz,
        tenant.as_uuid(),
        course,
        "Getting-started check",
        "Six questions, one of each kind Lectern asks. You have **10 minutes**; answers save as you go."
    )
    .execute(&mut **tx)
    .await?;
    for (position, form) in (0i32..).zip(demo_questions()) {
        let input = QuestionInput::parse(form, None, || OptionId::from_uuid(new_id()))?;
        let (Some(prompt), Some(key)) = (input.prompt, input.key) else {
            continue;
        };
        let body = serde_json::to_value(&key).map_err(|e| ServiceError::Internal(e.into()))?;
        sqlx::query!(
            "insert into quiz_question (id, tenant_id, course_id, quiz_id, position, kind, prompt, points, body)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            new_id(),
            tenant.as_uuid(),
            course,
            quiz,
            position,
            key.kind().as_str(),
            prompt,
            input.points.unwrap_or(1),
            body
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One question of each kind, so a newcomer meets them all in the demo quiz.
fn demo_questions() -> Vec<QuestionForm> {
    let option = |text: &str, correct: bool| OptionForm {
        id: None,
        text: text.into(),
        correct,
    };
    let question = |kind: &str, prompt: &str| QuestionForm {
        kind: Some(kind.into()),
        prompt: Some(prompt.into()),
        ..QuestionForm::default()
    };
    vec![
        QuestionForm {
            options: Some(vec![
                option("A module", true),
                option("A quiz", false),
                option("A certificate", false),
            ]),
            ..question("single_choice", "What holds a course's lessons, in order?")
        },
        QuestionForm {
            options: Some(vec![
                option("Text", true),
                option("Videos", true),
                option("Files", true),
                option("Printers", false),
            ]),
            scoring: Some("partial".into()),
            ..question("multiple_choice", "What can a lesson hold?")
        },
        QuestionForm {
            correct_answer: Some(true),
            ..question(
                "true_false",
                "The server keeps the time of a timed quiz, not your device.",
            )
        },
        QuestionForm {
            accepted_answers: Some(vec!["catalog".into(), "catalogue".into()]),
            ..question("short_text", "Which page lists the courses you can join?")
        },
        QuestionForm {
            value: Some(10.0),
            tolerance: Some(0.0),
            ..question("numeric", "How many minutes does this quiz give you?")
        },
        QuestionForm {
            points: Some(3),
            ..question(
                "essay",
                "In two or three sentences: what do you hope to learn here?",
            )
        },
    ]
}
