//! Replies in the shapes the current doc pages show where they disagree with their own field
//! tables (reference §11), decoded through the same path as a call's reply (envelope, `Code`,
//! typed `Data`).

#![cfg(any(feature = "material", feature = "project", feature = "team"))]

use bytes::Bytes;
use cme_sdk::__private::decode_reply;
use cme_sdk::Action;
use serde_json::{json, Value};

/// `Data` decoded as a successful reply of `A`.
#[cfg_attr(not(all(feature = "material", feature = "project")), allow(dead_code))]
fn decode<A: Action>(data: Value) -> Result<A::Data, cme_sdk::Error> {
    let envelope =
        json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success", "Data": data});
    decode_reply::<A>(Bytes::from(envelope.to_string()))
}

#[cfg(feature = "material")]
mod material {
    use super::*;
    use cme_sdk::material::*;
    use cme_sdk::ErrorKind;

    #[test]
    fn a_face_id_spelled_with_a_trailing_space_decodes() {
        let data = decode::<DescribeFaceInMaterialRequest>(json!({"FaceInfo": {"FaceSet": [
            {"Id ": "p1", "Name": "张三"}, {"Id": "p2", "Name": "李四"}]}}))
        .unwrap();
        let ids: Vec<_> = data
            .face_info
            .unwrap()
            .face_set
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, [Some("p1".to_owned()), Some("p2".to_owned())]);
    }

    #[test]
    fn rotate_is_a_number_a_numeric_string_or_empty() {
        for (rotate, expected) in [
            (json!(90), Some(90)),
            (json!("90"), Some(90)),
            (json!("90.0"), Some(90)),
            (json!(""), None),
            (json!(null), None),
        ] {
            let data = decode::<DescribeMaterialsRequest>(json!({"MaterialInfoSet": [
                {"VideoMaterial": {"MetaData": {"Rotate": rotate}}}]}))
            .unwrap_or_else(|e| panic!("{rotate}: {e}"));
            let meta = data.material_info_set[0]
                .video_material
                .as_ref()
                .and_then(|v| v.meta_data.as_ref())
                .unwrap();
            assert_eq!(meta.rotate, expected, "{rotate}");
        }
        let err = decode::<DescribeMaterialsRequest>(json!({"MaterialInfoSet": [
            {"VideoMaterial": {"MetaData": {"Rotate": "sideways"}}}]}))
        .unwrap_err();
        let ErrorKind::Decode(decode) = err.kind() else {
            panic!("{err:?}")
        };
        assert_eq!(
            decode.path.as_deref(),
            Some("Data.MaterialInfoSet[0].VideoMaterial.MetaData.Rotate")
        );
    }

    #[test]
    fn describe_materials_in_the_examples_shape_is_one_medium_not_an_empty_list() {
        let data = decode::<DescribeMaterialsRequest>(json!({
            "MaterialBasicInfo": {"MaterialId": "m1", "MaterialType": "VIDEO", "Name": "海边"},
            "MaterialStatus": {"TranscodeStatus": "NORMAL"},
            "MediaInfo": {"Width": 1920, "Height": 1080}}))
        .unwrap();
        let [medium] = data.material_info_set.as_slice() else {
            panic!("{data:?}")
        };
        let basic = medium.basic_info.as_ref().unwrap();
        assert_eq!(basic.material_id.as_deref(), Some("m1"));
        assert_eq!(medium.media_info.as_ref().unwrap().width, Some(1920));
    }

    #[test]
    fn finish_upload_material_without_data_decodes() {
        let envelope = json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success"});
        let data =
            decode_reply::<FinishUploadMaterialRequest>(Bytes::from(envelope.to_string())).unwrap();
        assert_eq!(data.material_id, None);
    }
}

#[cfg(feature = "project")]
mod project {
    use super::*;
    use cme_sdk::project::*;
    use cme_sdk::types::ProjectCategory;

    #[test]
    fn a_projects_category_is_a_string_or_a_list() {
        for category in [json!("Default"), json!(["Default"])] {
            let data = decode::<DescribeProjectsRequest>(json!({"TotalCount": 1,
                "ProjectInfoSet": [{"ProjectId": "p1", "Category": category}]}))
            .unwrap();
            assert_eq!(
                data.project_info_set[0].category,
                [ProjectCategory::Default]
            );
        }
    }
}

#[cfg(all(feature = "team", feature = "time"))]
mod team {
    use super::*;
    use cme_sdk::team::*;

    #[test]
    fn date_times_have_typed_accessors_beside_the_text() {
        let data = decode::<DescribeTeamsRequest>(json!({"TotalCount": 1, "TeamSet": [
            {"TeamId": "t1", "CreateTime": "2020-11-24T11:22:18+08:00", "UpdateTime": "soon"}]}))
        .unwrap();
        let team = &data.team_set[0];
        let created = team.create_time_parsed().unwrap();
        assert_eq!(created.unix_timestamp(), 1_606_188_138);
        assert_eq!(
            team.create_time.as_deref(),
            Some("2020-11-24T11:22:18+08:00")
        );
        assert_eq!(
            team.update_time_parsed(),
            None,
            "not ISO 8601: the text stays"
        );
        assert_eq!(team.update_time.as_deref(), Some("soon"));
    }
}
