"""Drive with the official Python SDK (`lusid-drive-sdk`), unchanged,
against the lusid-rs emulator; and a Luminesce call (`luminesce-sdk`),
which the emulator answers 501 naming the service and the operation.

Usage: python drive_workflow.py SECRETS_FILE

Creates a folder and a subfolder, uploads two files, lists the folder with
paging (limit 1, following nextPage), searches by name, downloads a file
and compares it byte for byte, replaces its contents, renames it, deletes
a file and the folder (with what is in it), and checks each step; exits
non-zero on the first mismatch. Written against lusid-drive-sdk 2.4.8 and
luminesce-sdk 2.4.187.
"""

import json
import os
import sys
import tempfile
import uuid

import lusid_drive
from lusid_drive.extensions import SecretsFileConfigurationLoader, SyncApiClientFactory

import luminesce
from luminesce.extensions import (
    SecretsFileConfigurationLoader as LuminesceSecretsLoader,
    SyncApiClientFactory as LuminesceFactory,
)


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)
    print(f"ok: {message}")


def listing(folders, folder_id):
    """Every item of a folder, one page (of one item) at a time."""
    names, page, pages = [], None, 0
    while True:
        result = folders.get_folder_contents(id=folder_id, page=page, limit=1)
        names.extend(item.name for item in result.values)
        pages += 1
        if not result.next_page:
            return names, pages
        page = result.next_page


def drive_workflow(secrets):
    factory = SyncApiClientFactory(config_loaders=[SecretsFileConfigurationLoader(secrets)])
    folders = factory.build(lusid_drive.FoldersApi)
    files = factory.build(lusid_drive.FilesApi)
    search = factory.build(lusid_drive.SearchApi)

    top = f"sdk-{uuid.uuid4().hex[:8]}"
    folder = folders.create_folder(create_folder=lusid_drive.CreateFolder(path="/", name=top))
    check(folder.type == "Folder" and folder.name == top, f"create_folder /{top}")
    sub = folders.create_folder(create_folder=lusid_drive.CreateFolder(path=f"/{top}", name="sub"))
    check(sub.path == f"/{top}", f"create_folder /{top}/sub (path {sub.path})")

    contents = os.urandom(3 * 1024 * 1024 + 17)
    report = files.create_file(
        x_lusid_drive_filename="report.bin",
        x_lusid_drive_path=f"/{top}",
        content_length=len(contents),
        body=contents,
    )
    check(report.size == len(contents), f"create_file report.bin ({report.size} bytes)")
    notes = files.create_file(
        x_lusid_drive_filename="notes.txt",
        x_lusid_drive_path=f"/{top}/sub",
        content_length=5,
        body=b"hello",
    )
    check(notes.path == f"/{top}/sub", "create_file notes.txt in the subfolder")

    try:
        files.create_file(
            x_lusid_drive_filename="report.bin",
            x_lusid_drive_path=f"/{top}",
            content_length=1,
            body=b"x",
        )
        check(False, "a second report.bin is refused")
    except lusid_drive.ApiException as error:
        check(error.status == 409, f"a second report.bin is refused ({error.status})")

    names, pages = listing(folders, folder.id)
    check(names == ["report.bin", "sub"], f"get_folder_contents {names}")
    check(pages == 2, f"listed in {pages} pages of one")
    root = folders.get_root_folder()
    check(top in [item.name for item in root.values], "get_root_folder lists the folder")

    found = search.search(search_body=lusid_drive.SearchBody(name="NOTES", with_path=f"/{top}"))
    check([item.id for item in found.values] == [notes.id], "search by name within the folder")

    downloaded = files.download_file(id=report.id)
    check(bytes(downloaded) == contents, f"download_file is byte-identical ({len(downloaded)} bytes)")

    replaced = files.update_file_contents(id=report.id, content_length=3, body=b"new")
    check(replaced.size == 3, "update_file_contents")
    check(bytes(files.download_file(id=report.id)) == b"new", "download_file after the update")
    renamed = files.update_file_metadata(
        id=report.id, update_file=lusid_drive.UpdateFile(path=f"/{top}/sub", name="final.bin")
    )
    check(renamed.path == f"/{top}/sub" and renamed.name == "final.bin", "update_file_metadata moves and renames")
    check(files.get_file(id=report.id).name == "final.bin", "get_file sees the new name")

    files.delete_file(id=notes.id)
    try:
        files.get_file(id=notes.id)
        check(False, "a deleted file is gone")
    except lusid_drive.ApiException as error:
        check(error.status == 404, f"a deleted file is gone ({error.status})")

    folders.delete_folder(id=folder.id)
    for item, what in [(sub.id, "its subfolder"), (report.id, "its files")]:
        try:
            (folders.get_folder if item == sub.id else files.get_file)(id=item)
            check(False, f"delete_folder deletes {what}")
        except lusid_drive.ApiException as error:
            check(error.status == 404, f"delete_folder deletes {what} ({error.status})")


def luminesce_is_not_served(secrets):
    """The emulator answers Luminesce's operations 501, naming them."""
    with open(secrets) as f:
        document = json.load(f)
    lusid_url = document["api"]["lusidUrl"]
    document["api"]["luminesceUrl"] = lusid_url[: -len("/api")] + "/honeycomb"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as copy:
        json.dump(document, copy)
    try:
        factory = LuminesceFactory(config_loaders=[LuminesceSecretsLoader(copy.name)])
        sql = factory.build(luminesce.SqlExecutionApi)
        try:
            sql.put_by_query_csv(body="select 1")
            check(False, "Luminesce answers 501")
        except luminesce.ApiException as error:
            check(error.status == 501, f"Luminesce answers 501 ({error.status})")
            check("PutByQueryCsv" in (error.body or ""), "the 501 names the operation")
    finally:
        os.unlink(copy.name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    drive_workflow(sys.argv[1])
    luminesce_is_not_served(sys.argv[1])
    print("drive workflow: all checks passed")
