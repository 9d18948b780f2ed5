# ruff: noqa: E501  (real names are long: that is the point)
"""Generated office catalogues for kiosk layout tests: 1 to 80 services over 1 to 20 agencies,
named after real services of Thai provincial one-stop centres (the longest names we found in
the government's service lists), as the kiosk's API documents and as an office file."""

from __future__ import annotations

from typing import Any

AGENCIES = (
    ("สำนักงานที่ดินจังหวัดอุดรธานี สาขาหนองหาน", "Udon Thani Provincial Land Office, Nong Han Branch"),
    ("สำนักทะเบียนอำเภอเมืองอุดรธานี กรมการปกครอง", "Mueang Udon Thani District Registration Office"),
    ("สำนักงานขนส่งจังหวัดอุดรธานี กรมการขนส่งทางบก", "Udon Thani Provincial Land Transport Office"),
    ("สำนักงานประกันสังคมจังหวัดอุดรธานี", "Udon Thani Provincial Social Security Office"),
    ("สำนักงานสรรพากรพื้นที่อุดรธานี", "Udon Thani Area Revenue Office"),
    ("สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด", "Provincial Social Development and Human Security Office"),
    ("สำนักงานพาณิชย์จังหวัดและสำนักงานพัฒนาธุรกิจการค้า", "Provincial Commerce and Business Development Office"),
    ("สำนักงานจัดหางานจังหวัดอุดรธานี", "Udon Thani Provincial Employment Office"),
    ("การไฟฟ้าส่วนภูมิภาคจังหวัดอุดรธานี", "Provincial Electricity Authority, Udon Thani"),
    ("การประปาส่วนภูมิภาคสาขาอุดรธานี", "Provincial Waterworks Authority, Udon Thani Branch"),
    ("สำนักงานสาธารณสุขจังหวัดอุดรธานี", "Udon Thani Provincial Public Health Office"),
    ("สำนักงานเกษตรจังหวัดอุดรธานี", "Udon Thani Provincial Agriculture Office"),
    ("สำนักงานอุตสาหกรรมจังหวัดอุดรธานี", "Udon Thani Provincial Industry Office"),
    ("สำนักงานยุติธรรมจังหวัดอุดรธานี", "Udon Thani Provincial Justice Office"),
    ("สำนักงานท้องถิ่นจังหวัดอุดรธานี", "Udon Thani Provincial Local Administration Office"),
    ("สำนักงานบังคับคดีจังหวัดอุดรธานี", "Udon Thani Provincial Legal Execution Office"),
    ("สำนักงานแรงงานจังหวัดอุดรธานี", "Udon Thani Provincial Labour Office"),
    ("สำนักงานคลังจังหวัดอุดรธานี", "Udon Thani Provincial Comptroller Office"),
    ("สำนักงานการท่องเที่ยวและกีฬาจังหวัดอุดรธานี", "Udon Thani Provincial Tourism and Sports Office"),
    ("สำนักงานตรวจคนเข้าเมืองจังหวัดอุดรธานี", "Udon Thani Provincial Immigration Office"),
)  # fmt: skip

SERVICES = (
    ("การขอรับใบอนุญาตประกอบกิจการที่เป็นอันตรายต่อสุขภาพ (กิจการสถานีบริการน้ำมันเชื้อเพลิง)", "Licence for a business hazardous to health (fuel station)"),
    ("การจดทะเบียนสิทธิและนิติกรรมเกี่ยวกับอสังหาริมทรัพย์ตามประมวลกฎหมายที่ดิน", "Registration of rights and juristic acts on immovable property"),
    ("การขอออกโฉนดที่ดินเฉพาะราย กรณีที่ดินมีหนังสือรับรองการทำประโยชน์", "Issue of a title deed for land with a certificate of use"),
    ("การแจ้งย้ายที่อยู่ออกและย้ายเข้าทะเบียนบ้านปลายทาง", "Moving out of and into a house registration"),
    ("การขอมีบัตรประจำตัวประชาชนกรณีบัตรเดิมหมดอายุ สูญหาย หรือถูกทำลาย", "ID card renewal, or replacement when lost or destroyed"),
    ("การขอเปลี่ยนชื่อตัว ชื่อรอง และการเพิ่มชื่อในทะเบียนบ้าน", "Change of first or middle name, adding a name to a house register"),
    ("การขอใบอนุญาตขับรถยนต์ส่วนบุคคลชั่วคราวและการต่ออายุใบอนุญาต", "Temporary private car driving licence and its renewal"),
    ("การชำระภาษีรถประจำปีและการตรวจสภาพรถตามกฎหมายว่าด้วยรถยนต์", "Annual vehicle tax and roadworthiness inspection"),
    ("การโอนกรรมสิทธิ์รถยนต์และรถจักรยานยนต์", "Transfer of ownership of a car or motorcycle"),
    ("การขึ้นทะเบียนผู้ประกันตนตามมาตรา 39 และมาตรา 40", "Registering as an insured person under sections 39 and 40"),
    ("การยื่นคำขอรับประโยชน์ทดแทนกรณีว่างงาน ชราภาพ และทุพพลภาพ", "Claims for unemployment, old-age and invalidity benefits"),
    ("การยื่นแบบแสดงรายการภาษีเงินได้บุคคลธรรมดาและขอคืนภาษี", "Personal income tax return and tax refund"),
    ("การจดทะเบียนภาษีมูลค่าเพิ่มและขอเลขประจำตัวผู้เสียภาษีอากร", "VAT registration and taxpayer identification number"),
    ("การขึ้นทะเบียนคนพิการและการออกบัตรประจำตัวคนพิการ", "Registration of persons with disabilities and disability cards"),
    ("การลงทะเบียนรับเงินอุดหนุนเพื่อการเลี้ยงดูเด็กแรกเกิด", "Child support grant registration for newborns"),
    ("การจดทะเบียนพาณิชย์ (ตั้งใหม่ เปลี่ยนแปลงรายการ และเลิกประกอบพาณิชยกิจ)", "Commercial registration: new, changes, closing"),
    ("การจดทะเบียนจัดตั้งห้างหุ้นส่วนจำกัดและบริษัทจำกัด", "Registration of limited partnerships and companies"),
    ("การขึ้นทะเบียนผู้ว่างงานและการสมัครงานกับสำนักงานจัดหางาน", "Registering as unemployed and job applications"),
    ("การขออนุญาตทำงานของคนต่างด้าวและการต่ออายุใบอนุญาตทำงาน", "Work permits for foreign workers and renewals"),
    ("การขอใช้ไฟฟ้าใหม่ การเพิ่มขนาดมิเตอร์ และการย้ายมิเตอร์ไฟฟ้า", "New electricity supply, larger or moved meter"),
    ("การขอติดตั้งประปาใหม่และการโอนสิทธิ์ผู้ใช้น้ำ", "New water connection and transfer of water account"),
    ("การขออนุญาตจัดตั้งสถานพยาบาลและการขอรับใบอนุญาตประกอบวิชาชีพ", "Licences for clinics and medical professionals"),
    ("การขึ้นทะเบียนเกษตรกรและการปรับปรุงข้อมูลทะเบียนเกษตรกร", "Farmer registration and updates"),
    ("การขออนุญาตประกอบกิจการโรงงานจำพวกที่ 3 และการต่ออายุใบอนุญาต", "Class 3 factory licence and renewal"),
    ("การยื่นคำขอรับความช่วยเหลือทางการเงินแก่ผู้เสียหายและจำเลยในคดีอาญา", "Compensation for victims and defendants in criminal cases"),
    ("การลงทะเบียนขอรับเบี้ยยังชีพผู้สูงอายุและเบี้ยความพิการ", "Old-age and disability allowance registration"),
    ("การขอตรวจสอบทรัพย์สินและการยื่นคำร้องขอรับเงินจากการขายทอดตลาด", "Asset search and claims on auction proceeds"),
    ("การยื่นคำร้องต่อพนักงานตรวจแรงงานกรณีไม่ได้รับค่าจ้าง", "Complaints to labour inspectors about unpaid wages"),
    ("การขอรับบำเหน็จบำนาญและเงินช่วยพิเศษกรณีผู้รับบำนาญถึงแก่กรรม", "Pensions and special payments on a pensioner's death"),
    ("การขออนุญาตจัดตั้งสถานที่ท่องเที่ยวและการจดทะเบียนมัคคุเทศก์", "Tourist site permits and tour guide registration"),
    ("การแจ้งที่พักอาศัยของคนต่างด้าวและการขออยู่ต่อในราชอาณาจักร", "Foreigners' residence notification and visa extension"),
    ("การจดทะเบียนสมรส หย่า และรับรองบุตร", "Registration of marriage, divorce and child legitimation"),
    ("การแจ้งเกิด แจ้งตาย และการขอคัดสำเนาทะเบียนราษฎร", "Birth and death notification, civil registration copies"),
    ("การขออนุญาตก่อสร้าง ดัดแปลง หรือรื้อถอนอาคาร", "Permits to build, alter or demolish a building"),
    ("การขอหนังสือรับรองการจดทะเบียนนิติบุคคลและรับรองสำเนาเอกสาร", "Company certificates and certified copies"),
    ("การขอรับใบอนุญาตจำหน่ายสุราและยาสูบ", "Licences to sell alcohol and tobacco"),
    ("การรังวัดสอบเขต แบ่งแยก และรวมโฉนดที่ดิน", "Land survey, subdivision and merging of title deeds"),
    ("การยื่นคำขอกู้ยืมเงินกองทุนเพื่อการศึกษา", "Student loan fund applications"),
    ("การขอรับการสงเคราะห์ครอบครัวผู้มีรายได้น้อยและผู้ไร้ที่พึ่ง", "Assistance for low-income families and the destitute"),
    ("การขอหนังสือรับรองการเสียภาษีและใบเสร็จรับเงินภาษีอากร", "Tax payment certificates and receipts"),
)  # fmt: skip


def service_code(i: int) -> str:
    """Ticket prefixes: A..Z, then two letters."""
    return chr(65 + i) if i < 26 else chr(64 + i // 26) + chr(65 + i % 26)


def catalogue(services: int, agencies: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The office and services documents of the kiosk API, for `services` services spread over
    `agencies` agencies in blocks (as offices list them)."""
    office = {
        "code": "udn",
        "name_th": "ศูนย์บริการร่วม ศาลากลางจังหวัดอุดรธานี (อาคารศูนย์ราชการแห่งใหม่)",
        "name_en": "Udon Thani Provincial Hall One-Stop Service Centre (new government building)",
        "hours": "08:30-16:30",
        "open_now": True,
        "priority_classes": [
            {"code": code, "name_th": th, "name_en": en}
            for code, th, en in (*PRIORITY_CLASSES, OFFICE_OWN_CLASS)
        ],
        "kiosk": {"services": [], "ask_priority": True, "ask_extra_services": True},
    }
    docs = []
    for i in range(services):
        agency = i * agencies // services
        name_th, name_en = SERVICES[i % len(SERVICES)]
        agency_th, agency_en = AGENCIES[agency]
        docs.append(
            {
                "code": service_code(i),
                "name_th": name_th,
                "name_en": name_en,
                "agency": f"ag{agency}",
                "agency_name_th": agency_th,
                "agency_name_en": agency_en,
                "open": i % 11 != 5,
                "waiting": (i * 7) % 23,
                "estimated_wait_s": ((i * 7) % 23) * 240,
            }
        )
    return office, docs


PRIORITY_CLASSES = (
    ("normal", "ผู้รับบริการทั่วไป", "General"),
    ("elderly", "ผู้สูงอายุ (อายุ 60 ปีขึ้นไป)", "Elderly (60 and over)"),
    ("disabled", "คนพิการ", "Person with a disability"),
    ("pregnant", "หญิงตั้งครรภ์", "Pregnant woman"),
    ("monk", "พระภิกษุสงฆ์และนักบวช", "Monk or clergy"),
)


# A class an office defines itself: the kiosk shows it with the neutral pictogram.
OFFICE_OWN_CLASS = ("veteran", "ทหารผ่านศึกและครอบครัว", "Veteran or veteran's family")


def office_toml(services: int, agencies: int) -> str:
    """The same catalogue as an office file for `swq` (three counters serving everything)."""
    office, docs = catalogue(services, agencies)
    out = [
        "[office]",
        'code = "udn"',
        f'name_th = "{office["name_th"]}"',
        f'name_en = "{office["name_en"]}"',
        'timezone = "Asia/Bangkok"',
        "",
    ]
    for a in range(agencies):
        th, en = AGENCIES[a]
        out += ["[[agencies]]", f'code = "ag{a}"', f'name_th = "{th}"', f'name_en = "{en}"', ""]
    for doc in docs:
        out += [
            "[[services]]",
            f'code = "{doc["code"]}"',
            f'agency = "{doc["agency"]}"',
            f'name_th = "{doc["name_th"]}"',
            f'name_en = "{doc["name_en"]}"',
            "target_wait_min = 20",
            "",
        ]
    weights = ", ".join(f"{d['code']} = 1" for d in docs)
    for counter in ("1", "2", "3"):
        out += [
            "[[counters]]",
            f'code = "{counter}"',
            f'name_th = "ช่องบริการ {counter}"',
            f'name_en = "Counter {counter}"',
            f"services = {{ {weights} }}",
            "",
        ]
    out += [
        "[priority]",
        f"classes = [{', '.join(repr(c[0]).replace(chr(39), chr(34)) for c in PRIORITY_CLASSES)}]",
        "",
    ]
    return "\n".join(out)
